"""Where ``--out`` writes: a file or a run folder written atomically (staged in a hidden place, then moved
into place), never over an earlier run, with the record of how it was made."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sys
from contextlib import suppress
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from sourcing import __version__
from sourcing.cells import neutralise_frame
from sourcing.files import dump_study
from sourcing.scenario import Study

from .output import fail


class ResultsFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


def write_file(target: Path, content: bytes, what: str) -> None:
    """Write ``content`` to ``target`` atomically (a hidden staging file moved into place): a reader never
    sees half a file, and a failure leaves nothing behind."""
    staging = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging.write_bytes(content)
        os.replace(staging, target)
    except OSError as exc:
        with suppress(OSError):
            staging.unlink(missing_ok=True)
        fail(f"{target}: cannot write {what} there ({exc.strerror or exc}); nothing was written")


STAGING = ".sourcing-"
"""Prefix of the hidden folder a run folder is written into before it is moved into place."""


def prepare_out(out_dir: Path | None) -> None:
    """Before anything is simulated: the run folder must be new and its place writable. Staging folders
    left by a run that was killed while writing are removed."""
    if out_dir is None:
        return
    _refuse_existing(out_dir)
    parent = out_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _staging_folder(parent).rmdir()
    except OSError as exc:
        fail(f"{out_dir}: cannot write in {parent} ({exc.strerror or exc}); nothing was simulated")
    _clean_stale(parent)


def _staging_folder(parent: Path) -> Path:
    """A new hidden folder in ``parent`` for a run folder being written, created with the user's umask as
    ``mkdir`` would (``tempfile.mkdtemp`` makes it owner-only, and the run folder it becomes kept that)."""
    while True:
        folder = parent / f"{STAGING}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder


def _clean_stale(parent: Path) -> None:
    """Remove staging folders whose process no longer runs (a run killed while writing its results)."""
    for folder in parent.glob(f"{STAGING}*"):
        pid = folder.name[len(STAGING):].split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _refuse_existing(out_dir: Path | None) -> None:
    if out_dir is not None and out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        fail(f"{out_dir}: already exists and is not empty; choose a new folder so no earlier run is overwritten")


def publish(out_dir: Path, files: dict[str, object]) -> None:
    """Write files (bytes, text, or a function writing to a path) into a temporary folder, then move it
    into place: nothing is ever half-written."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = _staging_folder(out_dir.parent)
    try:
        for name, content in files.items():
            target = staging / name
            if callable(content):
                content(target)
            elif isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(str(content), encoding="utf-8")
        if out_dir.exists():
            out_dir.rmdir()
        os.replace(staging, out_dir)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        fail(f"{out_dir}: could not write the results ({exc.strerror or exc}); nothing was written")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def run_record(sources: list[Path], seed: int, replications: int, workers: int) -> str:
    return json.dumps({
        "version": __version__,
        "seed": seed,
        "replications": replications,
        "workers": workers,
        "sources": {str(path): hashlib.sha256(path.read_bytes()).hexdigest() for path in sources},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
    }, indent=2)


def write_run(out_dir: Path, file: Path, study: Study, results, results_format: ResultsFormat, workers: int) -> None:
    from simulation.ledger import to_bytes as ledger_to_bytes

    rows = results.rows.copy()
    rows.insert(2, "seed", results.seed)
    table = ({"results.parquet": lambda path: rows.to_parquet(path, index=False)}
             if results_format is ResultsFormat.parquet
             else {"results.csv": lambda path: neutralise_frame(rows).to_csv(path, index=False)})
    publish(out_dir, {
        **table,
        "summary.csv": lambda path: neutralise_frame(results.summary).to_csv(path, index=False),
        **({"controls.csv": lambda path: results.controls.to_csv(path, index=False),
            "control_means.json": json.dumps(results.control_means, indent=2)}
           if results.controls is not None else {}),
        "scenario.yaml": dump_study(study),
        "run.json": run_record([file], results.seed, results.replications, workers),
        **({"ledger.npz": ledger_to_bytes(results.ledger)} if results.ledger is not None else {}),
    })
