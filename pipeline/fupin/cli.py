"""The ``fupin`` command line."""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Extract facts from Chinese poverty-alleviation texts (SCHEMA v1.1).")
logger = logging.getLogger("fupin")


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(levelname)s %(message)s", stream=sys.stderr)


@app.command()
def tag(
    inputs: List[Path] = typer.Argument(..., help="Files or directories (.txt, .html/.htm, .jsonl)."),
    output: Path = typer.Option(..., "--output", "-o", help="Output JSONL (SCHEMA records), written incrementally."),
    facts: Optional[List[Path]] = typer.Option(None, "--facts", help="Also write the facts table: .csv or .parquet (repeatable)."),
    model: Optional[Path] = typer.Option(None, "--model", help="Trained pipeline directory (default: the shipped model)."),
    rules: bool = typer.Option(False, "--rules", help="Use the rule layer alone."),
    batch_size: int = typer.Option(16, "--batch-size", min=1, help="Documents per nlp.pipe batch (per Ray task)."),
    n_process: int = typer.Option(1, "--n-process", min=1, help="nlp.pipe worker processes (local engine)."),
    max_chars: int = typer.Option(1_000_000, "--max-chars", min=1, help="Reject longer documents."),
    resume: bool = typer.Option(False, "--resume", help="Skip documents whose ids are already in the output; append."),
    errors: Optional[Path] = typer.Option(None, "--errors", help="Failed documents with the reason (default: OUTPUT.errors.jsonl)."),
    engine: str = typer.Option("local", "--engine", help="local (nlp.pipe) or ray (a Ray cluster, or a local one)."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Ray actors (default: the cluster's CPUs)."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address (default: RAY_ADDRESS or a local Ray)."),
    progress: str = typer.Option("auto", "--progress", help="auto (bar on a terminal, log lines otherwise), bar, log or off."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Tag articles and write SCHEMA JSONL (and optionally facts tables)."""
    _setup_logging(verbose)
    from .runner import run_tagging

    if progress not in ("auto", "bar", "log", "off"):
        logger.error("--progress: %r is not one of auto, bar, log, off", progress)
        raise typer.Exit(2)
    try:
        summary = run_tagging(inputs, output, facts_path=facts or None, model=model, rules=rules,
                              batch_size=batch_size, n_process=n_process, max_chars=max_chars, resume=resume,
                              errors_path=errors, engine=engine, workers=workers, address=address,
                              progress=progress)
    except (FileNotFoundError, ValueError, ImportError) as err:
        logger.error("%s", err)
        raise typer.Exit(2)
    if summary.failed:
        raise typer.Exit(1)


@app.command()
def report(
    path: Path = typer.Argument(..., help="Tagged SCHEMA JSONL (the output of `fupin tag`)."),
    output: Path = typer.Option(..., "--output", "-o", help="The HTML page to write."),
    max_docs: int = typer.Option(50, "--max-docs", min=0, help="Articles rendered with displaCy (charts use all)."),
    max_facts: int = typer.Option(20_000, "--max-facts", min=0, help="Rows in the facts table (charts use all)."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Write a self-contained HTML report: articles, a sortable facts table, charts."""
    _setup_logging(verbose)
    from .report import write_report

    try:
        stats = write_report(path, output, max_docs=max_docs, max_facts=max_facts)
    except (OSError, ValueError) as err:
        logger.error("%s", err)
        raise typer.Exit(2)
    logger.info("wrote %s (%d documents, %d facts)", output, stats["documents"], stats["facts"])


@app.command()
def evaluate(
    gold: Path = typer.Argument(..., help="Gold SCHEMA JSONL."),
    pred: Path = typer.Argument(..., help="Predicted SCHEMA JSONL."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
) -> None:
    """Score predictions against gold: spans, values, dates, relations, facts."""
    _setup_logging(False)
    from .evaluate import evaluate as run_evaluate, format_table
    from .ingest import read_records

    try:
        scores = run_evaluate(read_records(gold), read_records(pred))
    except (OSError, ValueError) as err:
        logger.error("%s", err)
        raise typer.Exit(2)
    if as_json:
        typer.echo(json.dumps(scores, ensure_ascii=False, indent=2))
    else:
        typer.echo(format_table(scores))


@app.command()
def validate(path: Path = typer.Argument(..., help="SCHEMA JSONL to check.")) -> None:
    """Check every record of a JSONL file against SCHEMA v1.1."""
    _setup_logging(False)
    from .ingest import read_records
    from .schema import validate_record

    bad = 0
    records = read_records(path)
    for record in records:
        for problem in validate_record(record):
            bad += 1
            typer.echo(f"{record.get('id')}: {problem}")
    typer.echo(f"{len(records)} records, {bad} problems")
    if bad:
        raise typer.Exit(1)


from .ls_cli import ls_app, retrain_cmd  # noqa: E402  (Label Studio rounds, issue 4)

app.add_typer(ls_app, name="ls")
app.command("retrain")(retrain_cmd)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
