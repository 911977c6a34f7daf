"""``fupin ls ...`` (Label Studio rounds) and ``fupin retrain``.

The server URL comes from ``--url`` or ``$LABEL_STUDIO_URL``; the API token
only from an environment variable (``$LABEL_STUDIO_API_KEY``, or the one named
by ``--token-env``), never from a file or the command line.
"""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import List, Optional

import typer

from .ls_client import DEFAULT_PROJECT, TOKEN_ENV

ROOT = Path(__file__).resolve().parents[2]
CONFIG_PATH = ROOT / "annotations" / "label_config.xml"
logger = logging.getLogger("fupin")

ls_app = typer.Typer(add_completion=False, no_args_is_help=True,
                     help="Annotation rounds in Label Studio: push, pull, agreement.")

URL_OPT = typer.Option(None, "--url", help="Label Studio URL (default $LABEL_STUDIO_URL or http://127.0.0.1:8080).")
TOKEN_OPT = typer.Option(TOKEN_ENV, "--token-env", help="Environment variable holding the API token.")
PROJECT_OPT = typer.Option(DEFAULT_PROJECT, "--project", "-p", help="Project title or id.")


def _setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(levelname)s %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.DEBUG if verbose else logging.WARNING)


def _client(url: Optional[str], token_env: str):
    from .ls_client import LSClient

    try:
        return LSClient.from_env(url, token_env)
    except ValueError as err:
        logger.error("%s", err)
        raise typer.Exit(2)


@ls_app.command("config")
def config_cmd(output: Path = typer.Option(CONFIG_PATH, "--output", "-o", help="Where to write the config."),
               check: bool = typer.Option(False, "--check", help="Only check that the file is up to date.")) -> None:
    """Write the labeling config generated from fupin.schema (annotations/label_config.xml)."""
    _setup_logging()
    from .labelstudio import label_config_xml

    xml = label_config_xml()
    if check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != xml:
            logger.error("%s is out of date with fupin.schema; run `fupin ls config`", output)
            raise typer.Exit(1)
        typer.echo(f"{output} is up to date")
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(xml, encoding="utf-8")
    typer.echo(f"wrote {output}")


@ls_app.command("push")
def push_cmd(
    inputs: List[Path] = typer.Argument(..., help="Documents to tag and push (.txt, .html, .jsonl, directories)."),
    project: str = PROJECT_OPT,
    model: Optional[Path] = typer.Option(None, "--model", help="Trained pipeline (default: the shipped model)."),
    rules: bool = typer.Option(False, "--rules", help="Pre-annotate with the rule layer alone."),
    model_version: Optional[str] = typer.Option(None, "--model-version", help="Name of the predictions' model."),
    order: str = typer.Option("input", "--order", help="input, or uncertain (least sure first)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Push at most N new documents."),
    refresh: bool = typer.Option(False, "--refresh-predictions", help="Replace predictions of documents already pushed."),
    max_chars: int = typer.Option(1_000_000, "--max-chars", min=1),
    url: Optional[str] = URL_OPT,
    token_env: str = TOKEN_OPT,
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Tag documents and import them as tasks with pre-annotations (idempotent)."""
    _setup_logging(verbose)
    from .ingest import InputError, read_inputs
    from .labelstudio import tag_with_scores
    from .ls_client import push
    from .tagger import DEFAULT_MODEL, load_pipeline

    if order not in ("input", "uncertain"):
        logger.error("--order must be input or uncertain")
        raise typer.Exit(2)
    client = _client(url, token_env)
    docs, failed = [], 0
    for item in read_inputs(inputs, max_chars=max_chars):
        if isinstance(item, InputError):
            logger.error("%s", item)
            failed += 1
        else:
            docs.append(item)
    try:
        nlp = load_pipeline(model, rules=rules)
    except FileNotFoundError as err:
        logger.error("%s", err)
        raise typer.Exit(2)
    version = model_version or ("rules" if rules else f"{Path(model or DEFAULT_MODEL).name}-"
                                f"{nlp.meta.get('version', '0')}")
    tagged = list(tag_with_scores(nlp, docs))
    summary = push(client, tagged, project=project, model_version=version, order=order, limit=limit,
                   refresh=refresh)
    typer.echo(f"project {summary.project_id}: {len(summary.created)} tasks created, {len(summary.refreshed)} "
               f"predictions refreshed, {summary.unchanged} already there, {len(summary.invalid)} invalid, "
               f"{failed} unreadable ({summary.considered} documents, model {version})")
    if summary.invalid or failed:
        raise typer.Exit(1)


@ls_app.command("pull")
def pull_cmd(
    project: str = PROJECT_OPT,
    annotations: Path = typer.Option(ROOT / "annotations", "--annotations", help="Where round-N/ is written."),
    round_no: Optional[int] = typer.Option(None, "--round", help="Round number (default: the next one)."),
    dev_share: float = typer.Option(0.1, "--dev-share"),
    url: Optional[str] = URL_OPT,
    token_env: str = TOKEN_OPT,
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Export every task (full JSON) and write annotations/round-N/ with its README."""
    _setup_logging(verbose)
    from .rounds import write_round

    client, proj, export = _full_export(project, url, token_env)
    try:
        summary = write_round(export, annotations, number=round_no, dev_share=dev_share,
                              project={"title": proj.title, "id": proj.id, "url": client.url})
    except FileExistsError as err:
        logger.error("%s", err)
        raise typer.Exit(2)
    counts = ", ".join(f"{n} {d}" for d, n in summary.counts.items())
    typer.echo(f"{summary.path}: {summary.total} tasks: {counts}")


def _full_export(project: str, url: Optional[str], token_env: str):
    """Client, project and full JSON export (annotators named); exit 2 if the project is missing."""
    from .ls_client import name_annotators

    client = _client(url, token_env)
    proj = client.find_project(project)
    if proj is None:
        logger.error("no project %r", project)
        raise typer.Exit(2)
    export = client.export(proj.id)
    name_annotators(client, export)
    return client, proj, export


@ls_app.command("agreement")
def agreement_cmd(
    project: str = PROJECT_OPT,
    export_file: Optional[Path] = typer.Option(None, "--export", help="Read a saved JSON export instead of the server."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores and disagreements as JSON."),
    url: Optional[str] = URL_OPT,
    token_env: str = TOKEN_OPT,
) -> None:
    """Span and relation F1 between annotators of the same tasks, and the disagreements."""
    _setup_logging()
    from .agreement import agreement, format_agreement

    if export_file:
        export = json.loads(export_file.read_text(encoding="utf-8"))
    else:
        export = _full_export(project, url, token_env)[2]
    agr = agreement(export)
    if as_json:
        typer.echo(json.dumps(agr.as_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(format_agreement(agr))


def retrain_cmd(
    annotations: Path = typer.Option(ROOT / "annotations", "--annotations", help="Holds round-*/docs.jsonl."),
    previous: Optional[Path] = typer.Option(None, "--previous",
                                            help="Model to compare with (default models/fupin-cnn, else the rules)."),
    work: Path = typer.Option(ROOT / "training" / "retrain", "--work", help="Corpora and new models go here."),
    config: Path = typer.Option(ROOT / "configs" / "cnn.cfg", "--config"),
    dev: Optional[Path] = typer.Option(None, "--dev", help="Dev records (default: the dev split of the rounds)."),
    dev_share: float = typer.Option(0.1, "--dev-share"),
    curve: str = typer.Option("25,50,75,100", "--curve", help="Training shares (percent) for the learning curve."),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", help="spacy train --training.max_steps."),
    max_minutes: Optional[float] = typer.Option(None, "--max-minutes", help="Per training run."),
    replace: bool = typer.Option(False, "--replace", help="Install the new model in place of the previous one."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Merge all rounds, train, compare with the previous model per label, learning curve."""
    _setup_logging(verbose)
    from .retrain import retrain

    if previous is None:
        from .tagger import DEFAULT_MODEL

        previous = DEFAULT_MODEL if DEFAULT_MODEL.exists() else None
    try:
        shares = [float(x) / 100 for x in curve.split(",") if x.strip()]
    except ValueError:
        logger.error("--curve takes percentages, e.g. 25,50,75,100")
        raise typer.Exit(2)
    try:
        result = retrain(annotations, previous=previous, work=work, config=config, dev_path=dev,
                         dev_share=dev_share, curve=shares, max_steps=max_steps, max_minutes=max_minutes,
                         replace=replace)
    except (ValueError, RuntimeError, FileNotFoundError) as err:
        logger.error("%s", err)
        raise typer.Exit(2)
    typer.echo(result.report())
