"""Fault script: kill -9 `mirror run` at random moments, then --resume.

Each round starts a fresh run against the replica, kills it with SIGKILL at
a random moment, checks that every document in output/ still parses, then
resumes the run and checks that it finished with every seed accounted for
in the report, no temporary or unfinished file left in output/, and every
WARC file readable by `warcio check`.  It also counts what the kill itself
left: temporary documents (expected none: a document is renamed into place
whole) and the WARC file that was open (recovered by the resumed run).

    python bench/kill_resume.py [--rounds N] [--pages N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from common import REPO, free_port
from mirror.archive.document import FormatError, parse
from mirror.testing.pagebuild import Page, build_page

SITE = "https://www.beehive.govt.nz"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS=4",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4", "-s", "LOG_LEVEL=WARNING"]


def build(work: Path, pages: int) -> tuple[Path, Path]:
    site, seeds = work / "site", work / "seeds"
    site.mkdir(parents=True)
    seeds.mkdir()
    for n in range(pages):
        slug = f"invented-release-{n:04d}"
        page = Page(title=f"Invented release number {n}", canonical=f"{SITE}/release/{slug}",
                    date_iso=f"2021-03-{1 + n % 28:02d}T02:00:00Z", date_text="", ministers=["Hon Nobody Real"],
                    portfolios=["Imaginary Affairs"], body_html=f"<p>Paragraph {n}.</p><ul><li>a</li><li>b</li></ul>")
        (site / f"{slug}.html").write_text(build_page(page), encoding="utf-8")
        (seeds / f"{slug}.md").write_text(
            f'---\ntitle: "Old"\ndate: 2021-03-01\nurl: {SITE}/release/{slug}\n---\n\nOld.', encoding="utf-8")
    (work / "plan.json").write_text(json.dumps({f"/release/invented-release-{n:04d}": {"delay": 0.05}
                                                for n in range(pages)}))
    return site, seeds


def unparsable(output: Path) -> list[str]:
    bad = []
    for path in output.rglob("*.md"):
        if "reports" not in path.parts:
            try:
                parse(path.read_text(encoding="utf-8"))
            except (FormatError, UnicodeDecodeError) as exc:
                bad.append(f"{path}: {exc}")
    return bad


def leftovers(output: Path) -> list[str]:
    return [str(p) for p in output.rglob("*") if p.name.endswith((".tmp", ".open"))]


def one_round(number: int, work: Path, pages: int, rng: random.Random, origin: str, seeds: Path) -> dict:
    output = work / f"output-{number}"
    run = [sys.executable, "-m", "mirror", "run", "-s", f"MIRROR_ORIGIN={origin}", "-s", f"SEEDS_DIR={seeds}",
           "-s", f"OUTPUT_DIR={output}", *FAST]
    process = subprocess.Popen(run, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    moment = rng.uniform(0.5, 4.0)
    time.sleep(moment)
    process.send_signal(signal.SIGKILL)
    process.wait()
    left = leftovers(output)
    # A WARC file being written when the kill came is named .open: the next
    # start cuts it back to its last whole record and renames it.
    result = {"round": number, "killed_after_s": round(moment, 2), "unparsable_after_kill": unparsable(output),
              "temporary_after_kill": sum(p.endswith(".tmp") for p in left),
              "warc_open_after_kill": sum(p.endswith(".open") for p in left)}
    resumed = subprocess.run([*run, "--resume"], cwd=REPO, capture_output=True, text=True)
    result["resume_exit"] = resumed.returncode
    report = json.loads((output / "reports" / "latest" / "report.json").read_text(encoding="utf-8"))
    result["accounted"] = sum(report["summary"].values())
    result["not_checked"] = report["run"]["not_checked"]
    result["left_after_resume"] = leftovers(output)
    warcs = sorted(str(p) for p in (output / "warc").glob("*.warc.gz"))
    check = subprocess.run(["warcio", "check", *warcs], capture_output=True, text=True) if warcs else None
    result["warc_files"] = len(warcs)
    result["warc_check"] = "ok" if check is None or check.returncode == 0 else check.stdout[-300:]
    result["ok"] = (not result["unparsable_after_kill"] and result["resume_exit"] in (0, 1)
                    and result["accounted"] == pages and result["not_checked"] == 0
                    and not result["left_after_resume"] and result["warc_check"] == "ok")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--pages", type=int, default=150)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "work" / "kill")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    shutil.rmtree(args.work, ignore_errors=True)
    site, seeds = build(args.work, args.pages)
    port = free_port()
    replica = subprocess.Popen([sys.executable, "-m", "mirror.testing.replica", str(site), "--port", str(port),
                                "--plan", str(args.work / "plan.json")], cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    replica.stdout.readline()
    failures = 0
    try:
        for number in range(args.rounds):
            result = one_round(number, args.work, args.pages, rng, f"http://127.0.0.1:{port}", seeds)
            failures += not result["ok"]
            print(("ok  " if result["ok"] else "FAIL") + " " + json.dumps(result), flush=True)
    finally:
        replica.terminate()
        replica.wait()
    print(f"{args.rounds - failures}/{args.rounds} rounds: killed, resumed, every seed accounted for")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
