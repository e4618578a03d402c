"""What programs read on standard output: the JSON document or the CSV table (``--format json|csv``)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path

import pandas as pd

from sourcing import __version__
from sourcing.cells import neutralise_frame
from sourcing.scenario import Study


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def emit(output: OutputFormat, document: dict, frame: pd.DataFrame) -> bool:
    """Write the JSON document or the CSV table on standard output; False when the format is a table
    (the caller prints it)."""
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(document, indent=2, default=_jsonable) + "\n")
        return True
    if output is OutputFormat.csv:
        neutralise_frame(frame).to_csv(sys.stdout, index=False, lineterminator="\n")
        return True
    return False


def _jsonable(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def json_summary(file: Path, study: Study, results) -> dict:
    summary = results.summary.replace({float("nan"): None})
    return {
        "file": str(file),
        "study": study.name,
        "version": __version__,
        "seed": results.seed,
        "replications": results.replications,
        "precision_target": results.target,
        "precision_reached": results.precision,
        "confidence": 0.95,
        "summary": summary.to_dict(orient="records"),
    }


def json_comparison(decision) -> dict:
    def records(frame):
        return frame.replace({float("nan"): None}).to_dict(orient="records")

    return {"baseline": decision.baseline, "headline": records(decision.headline),
            "paired_differences": records(decision.differences), "frontier": decision.frontier,
            "risk_tail": records(decision.risk)}
