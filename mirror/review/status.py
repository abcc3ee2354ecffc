"""`mirror status`: from another terminal, whether a run is active (its id,
its progress from the live manifest, its time left) and what the last
finished run found (its summary line and report).  Exit 0 idle, 3 active.

Whether a run is active is read from the kernel's table of file locks
(/proc/locks), never by taking the run lock: a `mirror status` at the
moment a scheduled run starts must not make that run exit 3.  Where there
is no such table, the pid in the lock file is asked whether it lives.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from mirror.crawl.progress import progress_line, read_progress
from mirror.crawl.runlock import lock_path
from mirror.outcomes import WHITESPACE_ONLY, Exit
from mirror.review.manifest import read_manifest
from mirror.review.report import summary_text
from mirror.review.runs import LATEST, REPORTS, manifest_path

PROC_LOCKS = "/proc/locks"


def _holder_pid(lock: Path) -> int | None:
    try:
        text = lock.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_holder(lock: Path, proc_locks: str = PROC_LOCKS) -> int | None:
    """The pid of the process holding the run lock `lock`, or None when no
    process holds it (0 when one does but the file names no pid)."""
    try:
        stat = lock.stat()
    except OSError:
        return None
    pid = _holder_pid(lock)
    try:
        with open(proc_locks, encoding="ascii", errors="replace") as handle:
            table = handle.read()
    except OSError:
        return pid if pid and _pid_alive(pid) else None
    # "1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234567 0 EOF": device as major:minor in hex, then the inode
    wanted = (os.major(stat.st_dev), os.minor(stat.st_dev), stat.st_ino)
    for line in table.splitlines():
        fields = line.split()
        if len(fields) < 6 or fields[1] != "FLOCK" or fields[3] == "->":
            continue
        parts = fields[5].split(":")
        try:
            found = (int(parts[0], 16), int(parts[1], 16), int(parts[2]))
        except (ValueError, IndexError):
            continue
        if found == wanted:
            return pid or 0
    return None


def active_lines(output_dir: str, state_folder: Path, pid: int) -> list[str]:
    """What the active run is doing, from its progress file and its live manifest."""
    progress = read_progress(state_folder)
    if progress and pid and progress.get("pid") != pid:
        progress = None  # left by a run that was killed: not this one's
    job_id = state_folder / "job" / "run-id"
    run_id = (progress or {}).get("run") or (job_id.read_text(encoding="utf-8").strip() if job_id.exists() else "")
    lines = [f"mirror status: a run is active: {run_id or 'id not known yet'} (pid {pid or '?'})"]
    if not progress or progress.get("run") != run_id:
        lines.append("progress: not known yet (an index run, or a crawl still reading its seeds)")
        return lines
    manifest = manifest_path(output_dir, run_id)
    try:
        done = len(read_manifest(manifest)) if manifest.exists() else 0
    except OSError:
        done = int(progress.get("already", 0)) + int(progress.get("done", 0))
    already = int(progress.get("already", 0))
    total = already + int(progress.get("total", 0))
    started = float(progress.get("started", time.time()))
    elapsed = float(progress.get("written", time.time())) - started
    line = progress_line(done, total, int(progress.get("requests", 0)), elapsed, done - already)
    lines.append(f"progress: {line} (manifest: {manifest})")
    return lines


def last_run_lines(output_dir: str) -> list[str]:
    """The summary line and report of the newest finished run."""
    folder = Path(output_dir) / REPORTS / LATEST
    report = folder / "report.json"
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
        run, counts, entries = data.get("run") or {}, data["summary"], data.get("entries") or []
        spaces = sum(1 for e in entries if isinstance(e, dict) and e.get("reason") == WHITESPACE_ONLY)
        summary = summary_text(counts, spaces)
    except FileNotFoundError:
        return [f"last finished run: none (no {report})"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return [f"last finished run: {report}: cannot be read: {exc}"]
    real = folder.resolve()
    when = f", finished {run['finished']}" if run.get("finished") else ""
    return [f"last finished run: {run.get('id', real.name)}{when}", f"mirror diff: {summary}",
            f"report: {real / 'report.html'}"]


def status(output_dir: str, state_folder: Path) -> tuple[Exit, list[str]]:
    pid = lock_holder(lock_path(state_folder))
    if pid is None:
        return Exit.OK, ["mirror status: no run is active", *last_run_lines(output_dir)]
    return Exit.BUSY, [*active_lines(output_dir, state_folder, pid), *last_run_lines(output_dir)]
