"""`mirror accept`: reviewed output documents become the new seeds.

Every seed replaced is first kept under `OUTPUT/history/<run-id>/`, so a
reviewed change can always be undone; every write is atomic.
"""

from __future__ import annotations

from pathlib import Path

from .store import atomic_write, resolve_inside

ACCEPTABLE = ("changed", "new", "moved")


def _history_name(seed: Path, seeds_dir: Path) -> str:
    try:
        return str(seed.resolve().relative_to(seeds_dir.resolve()))
    except ValueError:
        return seed.name


def accept(report: dict, urls: list[str], all_changed: bool, output_dir: str, seeds_dir: str):
    """Accept the chosen entries of a report; returns (done, refused) lines."""
    run_id = report["run"]["id"]
    entries = {entry["url"]: entry for entry in report["entries"] if entry.get("url")}
    chosen = [e for e in entries.values() if all_changed and e["status"] == "changed"]
    refused = []
    for url in urls:
        if url in entries:
            chosen.append(entries[url])
        else:
            refused.append(f"{url}: not an entry of report {run_id}")
    done = []
    seeds = Path(seeds_dir)
    history = Path(output_dir) / "history" / run_id
    for entry in chosen:
        url, status = entry["url"], entry["status"]
        if status not in ACCEPTABLE or not entry.get("output"):
            refused.append(f"{url}: a {status} entry has no document to accept")
            continue
        source = Path(output_dir) / entry["output"]
        try:
            data = source.read_bytes()
        except OSError as exc:
            refused.append(f"{url}: {source}: {exc.strerror or exc}")
            continue
        target = Path(entry["seed"]) if entry.get("seed") else resolve_inside(seeds, entry["output"])
        if target.exists():
            kept = history / _history_name(target, seeds)
            atomic_write(kept, target.read_bytes())
        atomic_write(target, data)
        done.append(f"accepted {url}: {source} -> {target}")
    return done, refused
