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
    output: Path = typer.Option(..., "--output", "-o", help="Output JSONL (SCHEMA records)."),
    facts: Optional[Path] = typer.Option(None, "--facts", help="Also write the facts table (.csv)."),
    model: Optional[Path] = typer.Option(None, "--model", help="Trained pipeline directory (default: the shipped model)."),
    rules: bool = typer.Option(False, "--rules", help="Use the rule layer alone."),
    batch_size: int = typer.Option(16, "--batch-size", min=1),
    n_process: int = typer.Option(1, "--n-process", min=1),
    max_chars: int = typer.Option(1_000_000, "--max-chars", min=1, help="Reject longer documents."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Tag articles and write SCHEMA JSONL (and optionally a facts table)."""
    _setup_logging(verbose)
    from .runner import run_tagging

    try:
        summary = run_tagging(inputs, output, facts_path=facts, model=model, rules=rules,
                              batch_size=batch_size, n_process=n_process, max_chars=max_chars)
    except (FileNotFoundError, ValueError) as err:
        logger.error("%s", err)
        raise typer.Exit(2)
    if summary.failed:
        raise typer.Exit(1)


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
