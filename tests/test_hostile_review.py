"""Review files that lie: a report.json or manifest naming paths outside their
folders, two releases claiming one document, page text that is markup.
`mirror accept` and `mirror diff` run as commands on files made here."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from dataclasses import replace

import pytest

from mirror.archive.document import Document, render
from mirror.review.diff import CHANGED, FAILED, GONE, DiffResult, Entry
from mirror.review.report import render_html, render_markdown

from .conftest import REPO

SITE = "https://www.beehive.govt.nz"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"


def doc(slug: str, **fields) -> Document:
    base = Document(title=f"Invented title {slug}", date="2020-01-02", url=f"{SITE}/release/{slug}",
                    ministers=("Hon Invented Person",), body=f"Invented body of {slug}.")
    return replace(base, **fields)


def put(path, document: Document) -> bytes:
    data = render(document).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def mirror(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "mirror", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# --- mirror accept ------------------------------------------------------------------

@pytest.fixture
def folders(tmp_path):
    seeds, output, outside = tmp_path / "seeds", tmp_path / "output", tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.md"
    secret_bytes = put(secret, doc("secret", body="Invented secret text."))
    victim = outside / "victim.md"
    victim_bytes = put(victim, doc("victim"))
    put(outside / "new.md", doc("new-dotdot"))
    return {"root": tmp_path, "seeds": seeds, "output": output, "outside": outside, "secret": secret,
            "secret_bytes": secret_bytes, "victim": victim, "victim_bytes": victim_bytes}


def entry(slug: str, status: str, seed, output) -> dict:
    return {"url": f"{SITE}/release/{slug}", "status": status, "seed": str(seed) if seed else "",
            "output": str(output), "fields": ["title"], "reason": ""}


def write_report(folder, entries, run_id="20200102T030405006Z"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps({"run": {"id": run_id}, "summary": {}, "entries": entries}),
                                        encoding="utf-8")
    return folder


def test_accept_refuses_every_path_outside_its_folder_and_accepts_the_rest(folders):
    seeds, output, outside = folders["seeds"], folders["output"], folders["outside"]
    good_seed = seeds / "releases" / "good.md"
    good_old = put(good_seed, doc("good"))
    good_new = put(output / "releases/2020/01/2020-01-02-good.md", doc("good", title="Invented new title"))
    put(output / "releases/2020/01/2020-01-02-fresh.md", doc("fresh"))
    put(output / "releases/2020/01/2020-01-02-linked-new.md", doc("linked-new"))
    plain_seeds = {slug: put(seeds / "releases" / f"{slug}.md", doc(slug))
                   for slug in ("dotdot", "absolute", "linked-output")}
    # a link inside the output folder to a file outside it
    (output / "releases/2020/01/2020-01-02-linked-output.md").symlink_to(folders["secret"])
    # a folder inside the seeds folder that is a link to one outside it
    (outside / "elsewhere").mkdir()
    (seeds / "speeches").symlink_to(outside / "elsewhere")
    put(output / "speeches/2020/01/2020-01-02-linked-new.md", doc("linked-new"))
    entries = [
        entry("dotdot", "changed", seeds / "releases/dotdot.md", "../outside/secret.md"),
        entry("absolute", "changed", seeds / "releases/absolute.md", folders["secret"]),
        entry("linked-output", "changed", seeds / "releases/linked-output.md",
              "releases/2020/01/2020-01-02-linked-output.md"),
        entry("outside-seed", "changed", folders["victim"], "releases/2020/01/2020-01-02-good.md"),
        entry("new-dotdot", "new", "", "../outside/new.md"),
        entry("new-linked", "new", "", "speeches/2020/01/2020-01-02-linked-new.md"),
        entry("good", "changed", good_seed, "releases/2020/01/2020-01-02-good.md"),
        entry("fresh", "new", "", "releases/2020/01/2020-01-02-fresh.md"),
    ]
    report = write_report(folders["root"] / "report", entries)
    done = mirror("accept", "--all-changed", *(e["url"] for e in entries if e["status"] == "new"),
                  "--report", report, "--seeds", seeds, "--output", output)
    assert done.returncode == 1, done.stderr
    refused = lines(done.stderr)
    bad = ["dotdot", "absolute", "linked-output", "outside-seed", "new-dotdot", "new-linked"]
    assert len(refused) == len(bad), done.stderr
    for slug, line in zip(bad, refused, strict=True):
        assert line.startswith(f"{SITE}/release/{slug}: "), line
    assert "Traceback" not in done.stderr
    # nothing outside the folders was read into a seed or written
    assert folders["victim"].read_bytes() == folders["victim_bytes"]
    assert folders["secret"].read_bytes() == folders["secret_bytes"]
    for slug, data in plain_seeds.items():
        assert (seeds / "releases" / f"{slug}.md").read_bytes() == data
    assert sorted(p.name for p in outside.rglob("*")) == ["elsewhere", "new.md", "secret.md", "victim.md"]
    # and the good entries were accepted
    assert good_seed.read_bytes() == good_new
    assert (output / "history/20200102T030405006Z/releases/good.md").read_bytes() == good_old
    assert (seeds / "releases/2020/01/2020-01-02-fresh.md").exists()
    assert done.stdout.count("accepted ") == 2


def test_accept_refuses_a_run_id_that_is_not_a_plain_name(folders):
    seeds, output = folders["seeds"], folders["output"]
    seed = seeds / "releases/good.md"
    old = put(seed, doc("good"))
    put(output / "releases/2020/01/2020-01-02-good.md", doc("good", title="Invented new title"))
    for run_id in ("../../escaped", "a/b", "..", ""):
        report = write_report(folders["root"] / "report", [entry("good", "changed", seed,
                                                                 "releases/2020/01/2020-01-02-good.md")], run_id)
        done = mirror("accept", "--all-changed", "--report", report, "--seeds", seeds, "--output", output)
        assert done.returncode == 2, (run_id, done.stderr)
        assert len(lines(done.stderr)) == 1 and "Traceback" not in done.stderr, done.stderr
        assert seed.read_bytes() == old
    assert not (folders["root"] / "escaped").exists()
    assert not (output / "history").exists()


@pytest.mark.parametrize("data", [
    [],
    {"entries": []},
    {"run": "r", "entries": []},
    {"run": {"id": 7}, "entries": []},
    {"run": {"id": "r"}, "entries": {"url": "x"}},
    {"run": {"id": "r"}, "entries": [f"{SITE}/release/x"]},
    {"run": {"id": "r"}, "entries": [{"url": f"{SITE}/release/x", "status": "changed"}]},
    {"run": {"id": "r"}, "entries": [{"url": f"{SITE}/release/x", "status": "changed", "seed": 3, "output": "o"}]},
    {"run": {"id": "r"}, "entries": [{"url": ["x"], "status": "changed", "seed": "s", "output": "o"}]},
], ids=["list", "no-run", "run-not-dict", "id-not-str", "entries-not-list", "entry-not-dict", "missing-keys",
        "seed-not-str", "url-not-str"])
def test_accept_a_report_of_the_wrong_shape_says_so_and_exits_2(tmp_path, data):
    (tmp_path / "seeds").mkdir()
    (tmp_path / "report").mkdir()
    (tmp_path / "report/report.json").write_text(json.dumps(data), encoding="utf-8")
    done = mirror("accept", "--all-changed", f"{SITE}/release/x", "--report", tmp_path / "report",
                  "--seeds", tmp_path / "seeds", "--output", tmp_path / "output")
    assert done.returncode == 2, done.stderr
    assert len(lines(done.stderr)) == 1 and "Traceback" not in done.stderr, done.stderr
    assert not (tmp_path / "output").exists()


# --- mirror diff --------------------------------------------------------------------

def write_manifest(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def run_diff(tmp_path, seeds, output, manifest):
    done = mirror("diff", "--seeds", seeds, "--output", output, "--manifest", manifest,
                  "--report", tmp_path / "report", "--processes", "1")
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads((tmp_path / "report/report.json").read_text(encoding="utf-8"))
    texts = {kind: (tmp_path / f"report/report.{kind}").read_text(encoding="utf-8") for kind in ("md", "html")}
    return done, {e["url"]: e for e in report["entries"]}, report, texts


def test_diff_never_reads_a_manifest_path_outside_the_output_folder(tmp_path):
    seeds, output, outside = tmp_path / "seeds", tmp_path / "output", tmp_path / "outside"
    secret = doc("secret", title="Invented secret title", body="Invented secret body.")
    put(outside / "secret.md", secret)
    for slug in ("dotdot", "absolute", "linked", "same-digest"):
        put(seeds / f"{slug}.md", doc(slug))
    # a file outside with the seed's own bytes: the digest alone would say unchanged
    same = put(outside / "same.md", doc("same-digest"))
    (output / "releases").mkdir(parents=True)
    (output / "releases/linked.md").symlink_to(outside / "secret.md")
    manifest = write_manifest(tmp_path / "manifest.jsonl", [
        {"url": f"{SITE}/release/dotdot", "outcome": "written", "status": 200, "output": "../outside/secret.md"},
        {"url": f"{SITE}/release/absolute", "outcome": "unchanged", "status": 200,
         "output": str(outside / "secret.md")},
        {"url": f"{SITE}/release/linked", "outcome": "written", "status": 200, "output": "releases/linked.md"},
        {"url": f"{SITE}/release/same-digest", "outcome": "written", "status": 200, "output": "../outside/same.md",
         "sha1": hashlib.sha1(same).hexdigest()},
        {"url": f"{SITE}/release/discovered", "outcome": "written", "status": 200, "discovered": True,
         "output": "../outside/secret.md"},
    ])
    _done, entries, report, texts = run_diff(tmp_path, seeds, output, manifest)
    expected = {"dotdot": "../outside/secret.md", "absolute": str(outside / "secret.md"),
                "linked": "releases/linked.md", "same-digest": "../outside/same.md",
                "discovered": "../outside/secret.md"}
    for slug, path in expected.items():
        e = entries[f"{SITE}/release/{slug}"]
        assert (e["status"], e["reason"]) == (FAILED, f"manifest names a path outside the output folder: {path}"), e
    assert report["summary"]["unchanged"] == 0 and report["summary"]["new"] == 0
    for text in texts.values():
        assert "secret title" not in text and "secret body" not in text


def test_two_releases_claiming_one_document_both_fail(tmp_path):
    seeds, output = tmp_path / "seeds", tmp_path / "output"
    shared = "releases/2020/01/2020-01-02-shared.md"
    first = put(seeds / "first.md", doc("first"))
    put(seeds / "second.md", doc("second"))
    put(seeds / "third.md", doc("third"))
    put(output / shared, doc("second"))  # the second overwrote what the first wrote
    other = "releases/2020/01/2020-01-02-other.md"
    put(output / other, doc("third"))
    steady = put(seeds / "steady.md", doc("steady"))
    put(output / "releases/2020/01/2020-01-02-steady.md", doc("steady"))
    manifest = write_manifest(tmp_path / "manifest.jsonl", [
        {"url": f"{SITE}/release/first", "outcome": "written", "status": 200, "output": shared,
         "sha1": hashlib.sha1(first).hexdigest()},
        {"url": f"{SITE}/release/second", "outcome": "unchanged", "status": 200, "output": shared,
         "sha1": hashlib.sha1(render(doc("second")).encode()).hexdigest()},
        # a seed and a release found by the crawl, one document
        {"url": f"{SITE}/release/third", "outcome": "written", "status": 200, "output": other},
        {"url": f"{SITE}/release/found", "outcome": "written", "status": 200, "output": other,
         "discovered": True},
        {"url": f"{SITE}/release/steady", "outcome": "unchanged", "status": 200,
         "output": "releases/2020/01/2020-01-02-steady.md", "sha1": hashlib.sha1(steady).hexdigest()},
    ])
    _done, entries, report, _ = run_diff(tmp_path, seeds, output, manifest)
    pairs = {"first": (shared, "second"), "second": (shared, "first"), "third": (other, "found"),
             "found": (other, "third")}
    for slug, (path, also) in pairs.items():
        e = entries[f"{SITE}/release/{slug}"]
        assert e["status"] == FAILED, e
        assert e["reason"] == f"two releases claim one document: {path} (also {SITE}/release/{also})", e
    assert report["summary"]["unchanged"] == 1  # steady


def test_a_redirect_to_another_seed_is_moved_not_a_shared_claim(tmp_path):
    seeds, output = tmp_path / "seeds", tmp_path / "output"
    target = "releases/2020/01/2020-01-02-target.md"
    put(seeds / "old.md", doc("old"))
    data = put(seeds / "target.md", doc("target"))
    put(output / target, doc("target"))
    manifest = write_manifest(tmp_path / "manifest.jsonl", [
        {"url": f"{SITE}/release/old", "final_url": f"{SITE}/release/target", "outcome": "written",
         "status": 200, "output": target, "sha1": hashlib.sha1(data).hexdigest()},
        {"url": f"{SITE}/release/target", "outcome": "unchanged", "status": 200, "output": target,
         "sha1": hashlib.sha1(data).hexdigest()},
    ])
    _done, entries, report, _ = run_diff(tmp_path, seeds, output, manifest)
    assert entries[f"{SITE}/release/old"]["status"] == "moved"
    assert report["summary"]["unchanged"] == 1 and report["summary"]["failed"] == 0


# --- report.md and report.html --------------------------------------------------------

HOSTILE_TITLE = f"Invented {SCRIPT} {IMG} | pipes | `tick` & [link](javascript:alert(3))"
HOSTILE_BODY = f"Invented first line.\n\n{SCRIPT}\n\n```\n````\n</code></pre>{IMG}\n\nLast line."


def split_fences(markdown: str) -> tuple[str, str]:
    """The text of `markdown` outside its fenced code blocks, and inside them
    (CommonMark's rule: a fence closes at a line of at least as many of its
    backticks, indented at most three spaces)."""
    outside, inside, fence = [], [], None
    for line in re.split(r"\r\n|\r|\n", markdown):
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if fence is None:
            opening = re.match(r"`{3,}", stripped)
            if opening and indent <= 3:
                fence = opening.group()
            else:
                outside.append(line)
        elif re.fullmatch(rf"{fence}`*[ \t]*", stripped) and indent <= 3:
            fence = None
        else:
            inside.append(line)
    return "\n".join(outside), "\n".join(inside)


def assert_inert(markdown: str) -> None:
    outside = split_fences(markdown)[0].replace("<br>", "")
    assert "<" not in outside and ">" not in outside, outside
    assert "](" not in outside.replace("\\](", "")  # no link or image made of page text


def test_report_md_escapes_page_text_and_html_shows_it_as_text(tmp_path):
    seeds, output = tmp_path / "seeds", tmp_path / "output"
    put(seeds / "hostile.md", doc("hostile", body="Invented first line.\n\nLast line."))
    put(output / "releases/2020/01/2020-01-02-hostile.md",
        doc("hostile", title=HOSTILE_TITLE, ministers=(f"Hon {IMG}",), body=HOSTILE_BODY))
    manifest = write_manifest(tmp_path / "manifest.jsonl", [
        {"url": f"{SITE}/release/hostile", "outcome": "written", "status": 200,
         "output": "releases/2020/01/2020-01-02-hostile.md"}])
    _done, entries, _report, texts = run_diff(tmp_path, seeds, output, manifest)
    assert entries[f"{SITE}/release/hostile"]["fields"] == ["title", "ministers", "body"]
    md, html = texts["md"], texts["html"]
    assert_inert(md)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md and "\\| pipes \\|" in md
    # the body's diff is all inside one fence, hostile lines and all
    outside, fenced = split_fences(md)
    assert "+" + SCRIPT in fenced and f"+</code></pre>{IMG}" in fenced and " Last line." in fenced
    assert "Last line." not in outside
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(2)&gt;" in html


def test_report_md_escapes_urls_reasons_addresses_and_the_missing_list():
    seed = doc("x", body="a")
    hostile = doc("x", title=HOSTILE_TITLE, body="b")
    result = DiffResult([
        Entry(f"{SITE}/release/{SCRIPT}", CHANGED, f"seeds/{IMG}.md", f"releases/{IMG}.md", ["title"],
              f"reason {SCRIPT}", seed, hostile, address=f"{SITE}/release/{IMG}"),
        Entry(f"{SITE}/release/gone", GONE, "seeds/gone.md", reason=f"the site answered 404 {IMG}",
              tried=[f"{SITE}/release/{SCRIPT}", f"{SITE}/node/1&x=<b>"]),
        Entry("", "seed-invalid", f"seeds/{SCRIPT}\r```\n# heading.md", reason=f"broken `{IMG}`"),
    ], missing={"count": 1, "by_year": {"<b>": 1}, "addresses": [f"{SITE}/release/{SCRIPT}"]})
    run = {"id": "r1", "seeds": f"seeds{IMG}", "output": "output`x`"}
    md = render_markdown(result, run)
    assert_inert(md)
    assert "```" not in md  # no fence at all: no body changed
    assert "&lt;b&gt;" in md and "&amp;x=" in md
    html = render_html(result, run)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
