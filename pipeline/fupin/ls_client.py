"""Talking to a Label Studio server: projects, idempotent push, full export.

The API token is read from an environment variable (``LABEL_STUDIO_API_KEY``
by default), never from a file or an argument, and is only ever logged
masked. Both legacy tokens and personal access tokens work (the SDK tells
them apart).
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

from .labelstudio import (label_config_xml, parse_label_config, record_to_prediction, record_to_task,
                          task_key, text_hash, validate_results)

logger = logging.getLogger(__name__)

TOKEN_ENV = "LABEL_STUDIO_API_KEY"
URL_ENV = "LABEL_STUDIO_URL"
DEFAULT_URL = "http://127.0.0.1:8080"
DEFAULT_PROJECT = "fupin"


def mask(token: Optional[str]) -> str:
    """A token as it may be shown: its first four characters and its length."""
    if not token:
        return "<none>"
    return f"{token[:4]}…({len(token)} chars)"


def token_from_env(env: str = TOKEN_ENV) -> str:
    """Read the API token from the environment; raise ValueError naming the variable when unset."""
    token = os.environ.get(env, "").strip()
    if not token:
        raise ValueError(f"no Label Studio API token: set the environment variable {env} "
                         f"(Label Studio: Account & Settings -> Personal Access Token)")
    return token


class LSClient:
    """A thin wrapper over ``label_studio_sdk.LabelStudio`` for fupin's rounds.

    url (str): the server, e.g. http://127.0.0.1:8080.
    token (str): the API token (legacy token or personal access token).
    """

    def __init__(self, url: str, token: str, timeout: float = 120.0):
        from label_studio_sdk import LabelStudio

        self.url = url.rstrip("/")
        self.ls = LabelStudio(base_url=self.url, api_key=token, timeout=timeout)
        logger.debug("Label Studio at %s, token %s", self.url, mask(token))

    @classmethod
    def from_env(cls, url: Optional[str] = None, token_env: str = TOKEN_ENV) -> "LSClient":
        return cls(url or os.environ.get(URL_ENV) or DEFAULT_URL, token_from_env(token_env))

    # projects ---------------------------------------------------------------------------------

    def find_project(self, project: str):
        """The project with this title or numeric id, or None."""
        if str(project).isdigit():
            return self.ls.projects.get(id=int(project))
        for p in self.ls.projects.list():
            if p.title == project:
                return p
        return None

    def ensure_project(self, project: str, label_config: Optional[str] = None):
        """Find the project, creating it with the labeling config when absent.

        An existing project whose config differs gets the current config (Label Studio
        refuses the change when it would orphan existing annotations).
        """
        label_config = label_config or label_config_xml()
        found = self.find_project(project)
        if found is None:
            if str(project).isdigit():
                raise ValueError(f"no project with id {project}")
            found = self.ls.projects.create(title=project, label_config=label_config,
                                            description="fupin annotation rounds (SCHEMA v1.1)")
            logger.info("created project %r (id %d)", project, found.id)
        elif (found.label_config or "").strip() != label_config.strip():
            self.ls.projects.update(id=found.id, label_config=label_config)
            logger.info("project %r: labeling config updated from fupin.schema", found.title)
        return found

    # tasks --------------------------------------------------------------------------------------

    def task_index(self, project_id: int) -> Dict[Tuple[str, str], Dict]:
        """(document id, text hash) -> {id, predictions, annotations} for the project's tasks."""
        index = {}
        for task in self.ls.tasks.list(project=project_id, fields="all"):
            data = task.data or {}
            index[task_key(data)] = {"id": task.id, "predictions": [p.get("id") if isinstance(p, dict) else p.id
                                                                    for p in (task.predictions or [])],
                                     "annotations": task.total_annotations or 0}
        return index

    def export(self, project_id: int) -> List[Dict]:
        """The project's full JSON export (every task, its annotations, drafts and predictions)."""
        chunks = self.ls.projects.exports.download_sync(id=project_id, export_type="JSON",
                                                        download_all_tasks=True)
        raw = b"".join(chunks)
        return json.loads(raw.decode("utf-8"))


@dataclass
class PushSummary:
    """What ``push`` did."""

    project_id: int = 0
    model_version: str = ""
    considered: int = 0
    created: List[int] = field(default_factory=list)
    refreshed: List[int] = field(default_factory=list)
    unchanged: int = 0
    invalid: List[Tuple[str, List[str]]] = field(default_factory=list)
    order: List[Tuple[str, float]] = field(default_factory=list)


def push(client: LSClient, records: Iterable[Dict], *, project: str = DEFAULT_PROJECT, model_version: str,
         order: str = "input", limit: Optional[int] = None, refresh: bool = False) -> PushSummary:
    """Import tagged records as tasks with pre-annotations, idempotently.

    records: tagged SCHEMA records (spans and relations carry ``score``).
    order (str): "input" keeps the order given; "uncertain" puts the lowest task score first.
    limit (int): push at most this many new documents (after ordering).
    refresh (bool): replace the predictions of documents already in the project.
    RETURNS (PushSummary): the counts and task ids.
    """
    from .labelstudio import task_score

    config_xml = label_config_xml()
    config = parse_label_config(config_xml)
    proj = client.ensure_project(project, config_xml)
    summary = PushSummary(project_id=proj.id, model_version=model_version)
    records = list(records)
    summary.considered = len(records)
    if order == "uncertain":
        records.sort(key=lambda r: (task_score(r), str(r["id"])))
    elif order != "input":
        raise ValueError(f"unknown order {order!r} (input or uncertain)")
    summary.order = [(str(r["id"]), task_score(r)) for r in records]
    existing = client.task_index(proj.id)
    new_tasks, refresh_tasks = [], []
    for record in records:
        task = record_to_task(record, model_version)
        problems = validate_results(task["predictions"][0]["result"], record["text"], config)
        if problems:
            summary.invalid.append((str(record["id"]), problems))
            logger.error("%s: prediction does not fit the labeling config, not pushed: %s",
                         record["id"], "; ".join(problems[:5]))
            continue
        key = (str(record["id"]), text_hash(record["text"]))
        if key in existing:
            if refresh:
                refresh_tasks.append((existing[key], record))
            else:
                summary.unchanged += 1
            continue
        if limit is not None and len(new_tasks) >= limit:
            continue
        new_tasks.append(task)
    if new_tasks:
        response = client.ls.projects.import_tasks(id=proj.id, request=new_tasks, return_task_ids=True)
        summary.created = list(response.task_ids or [])
        logger.info("imported %d tasks with predictions (%s)", len(new_tasks), model_version)
    for info, record in refresh_tasks:
        for pid in info["predictions"]:
            client.ls.predictions.delete(id=pid)
        pred = record_to_prediction(record, model_version)
        client.ls.predictions.create(task=info["id"], result=pred["result"], score=pred["score"],
                                     model_version=model_version)
        summary.refreshed.append(info["id"])
    if refresh_tasks:
        logger.info("refreshed predictions of %d tasks", len(refresh_tasks))
    return summary


def name_annotators(client: LSClient, export: List[Dict]) -> None:
    """Add ``completed_by_email`` to every annotation of an export (in place)."""
    try:
        emails = {u.id: u.email for u in client.ls.users.list()}
    except Exception as err:  # an annotator may not be allowed to list users
        logger.warning("cannot list users (%s); annotators shown by id", err)
        return
    for task in export:
        for a in task.get("annotations") or []:
            by = a.get("completed_by")
            uid = by.get("id") if isinstance(by, dict) else by
            if uid in emails:
                a["completed_by_email"] = emails[uid]
