"""A run's identity and folder: `output/reports/<run-id>/` holds its
manifest and reports; `output/reports/latest` points at the newest."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

REPORTS = "reports"
LATEST = "latest"
MANIFEST = "manifest.jsonl"


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z"


def run_dir(output_dir: str | os.PathLike, run_id: str) -> Path:
    return Path(output_dir) / REPORTS / run_id


def manifest_path(output_dir: str | os.PathLike, run_id: str) -> Path:
    return run_dir(output_dir, run_id) / MANIFEST


def point_latest(output_dir: str | os.PathLike, run_id: str) -> Path:
    """Make `reports/latest` name `run_id`, replacing the old link at once."""
    reports = Path(output_dir) / REPORTS
    link = reports / LATEST
    tmp = reports / f".{LATEST}.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(run_id, tmp)
    os.replace(tmp, link)
    return link
