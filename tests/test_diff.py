"""The diff on its own: seeds and outputs written by hand, no crawl."""

from __future__ import annotations

from dataclasses import replace

from mirror.archive.document import Document, render
from mirror.archive.seeds import SeedReader
from mirror.archive.store import relative_path
from mirror.review.diff import (
    BLOCKED,
    CHANGED,
    FAILED,
    GONE,
    MOVED,
    NEW,
    SEED_INVALID,
    UNCHANGED,
    diff as diff_seeds,
    exit_status,
    old_extractor_reason,
)
from mirror.review.manifest import ManifestWriter, Record, read_manifest

SITE = "https://www.beehive.govt.nz"


def diff(paths, output_dir, manifest=None):
    """The diff of the seeds at `paths`, read in this process."""
    return diff_seeds(SeedReader(list(paths)).seed_set(), output_dir, manifest)


def doc(slug: str, **fields) -> Document:
    base = Document(title=f"Title {slug}", date="2022-04-05", url=f"{SITE}/release/{slug}",
                    ministers=("Hon A Minister",), portfolios=("Finance",), body=f"Body of {slug}.")
    return replace(base, **fields)


def put(root, document: Document, relative: str | None = None) -> str:
    relative = relative or relative_path(document)
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(document), encoding="utf-8")
    return str(path)


class _Unchanged:
    status, fields = UNCHANGED, []


def by_url(result):
    found = {url: _Unchanged() for url in result.unchanged}
    found.update({e.url: e for e in result.entries})
    return found


def test_without_manifest_outputs_are_found_by_path_then_by_url(tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    paths = [put(seeds, doc("same")), put(seeds, doc("retitled")), put(seeds, doc("redated")),
             put(seeds, doc("missing"))]
    put(out, doc("same"))
    put(out, doc("retitled", title="A new title"))
    put(out, doc("redated", date="2022-04-06"))
    put(out, doc("unseeded"))
    entries = by_url(diff(paths, str(out)))
    assert entries[f"{SITE}/release/same"].status == UNCHANGED
    retitled = entries[f"{SITE}/release/retitled"]
    assert (retitled.status, retitled.fields) == (CHANGED, ["title"])
    assert entries[f"{SITE}/release/redated"].fields == ["date"]
    # no manifest: a seed with no output is unknown, never gone
    assert entries[f"{SITE}/release/missing"].status == FAILED
    assert entries[f"{SITE}/release/unseeded"].status == NEW


def test_comparison_is_on_documents_not_bytes(tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    seed = seeds / "foreign.md"
    seed.parent.mkdir()
    # the same release, written by another tool (YAML list style, trailing newline)
    seed.write_text(f"---\ntitle: Title same\ndate: 2022-04-05\nurl: {SITE}/release/same\n"
                    "ministers: [Hon A Minister]\nportfolios: [Finance]\n---\n\nBody of same.", encoding="utf-8")
    put(out, doc("same"))
    result = diff([str(seed)], str(out))
    assert result.unchanged == [f"{SITE}/release/same"] and result.entries == []


def test_manifest_outcomes_become_classes(tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    names = ["kept", "gone404", "gone410", "moved", "walled", "broken", "lost"]
    paths = [put(seeds, doc(n)) for n in names]
    paths.append(put(seeds, doc("kainga", title="Kāinga Ora – homes")))
    put(out, doc("kept"))
    put(out, doc("elsewhere"))
    manifest = {
        f"{SITE}/release/kept": Record(f"{SITE}/release/kept", "unchanged", f"{SITE}/release/kept", 200,
                                        relative_path(doc("kept"))),
        f"{SITE}/release/gone404": Record(f"{SITE}/release/gone404", "failed", status=404, reason="http 404"),
        f"{SITE}/release/gone410": Record(f"{SITE}/release/gone410", "failed", status=410, reason="http 410"),
        f"{SITE}/release/moved": Record(f"{SITE}/release/moved", "written", f"{SITE}/release/elsewhere", 200,
                                         relative_path(doc("elsewhere"))),
        f"{SITE}/release/walled": Record(f"{SITE}/release/walled", "blocked", status=200),
        f"{SITE}/release/broken": Record(f"{SITE}/release/broken", "failed", status=500, reason="http 500"),
        f"{SITE}/release/kainga": Record(f"{SITE}/release/kainga", "failed", status=404, reason="http 404"),
    }
    result = diff(paths, str(out), manifest)
    entries = by_url(result)
    assert entries[f"{SITE}/release/kept"].status == UNCHANGED
    assert entries[f"{SITE}/release/gone404"].status == GONE
    assert entries[f"{SITE}/release/gone410"].status == GONE
    assert entries[f"{SITE}/release/moved"].status == MOVED
    assert entries[f"{SITE}/release/walled"].status == BLOCKED
    assert entries[f"{SITE}/release/broken"].status == FAILED
    assert "transliteration" not in entries[f"{SITE}/release/gone404"].reason
    assert "transliteration" in entries[f"{SITE}/release/kainga"].reason
    assert "ā" in entries[f"{SITE}/release/kainga"].reason
    # a seed the run did not request is not judged at all
    assert f"{SITE}/release/lost" not in entries and result.not_checked == 1
    # "elsewhere" was written for the moved seed, not discovered: not new
    assert NEW not in {e.status for e in result.entries}


def test_unusable_seeds_are_seed_invalid(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"\xff\xfe not text")
    nourl = tmp_path / "nourl.md"
    nourl.write_text('---\ntitle: "x"\ndate: 2020-01-01\n---\n\n', encoding="utf-8")
    result = diff([str(bad), str(nourl)], str(tmp_path / "out"))
    assert [e.status for e in result.entries] == [SEED_INVALID, SEED_INVALID]
    assert "not UTF-8" in result.entries[0].reason and "no url" in result.entries[1].reason


def test_old_extractor_mistake_is_named():
    seed = doc("x", ministers=("Hon A Minister", "available here"),
               body="See the report [available here](/minister/hon-a-minister/report).")
    fetched = replace(seed, ministers=("Hon A Minister",))
    assert "old extractor" in old_extractor_reason(seed, fetched, ["ministers"])
    # a minister really removed from the page is not excused
    honest = replace(seed, ministers=("Hon A Minister", "Hon B Minister"))
    assert old_extractor_reason(honest, fetched, ["ministers"]) == ""


def test_exit_status():
    from mirror.review.diff import DiffResult, Entry
    assert exit_status(DiffResult([Entry("u", UNCHANGED)])) == 0
    assert exit_status(DiffResult([Entry("u", UNCHANGED), Entry("v", CHANGED)])) == 1
    assert exit_status(DiffResult([Entry("u", FAILED), Entry("v", BLOCKED), Entry("w", CHANGED)])) == 2


def test_manifest_round_trip_and_torn_line(tmp_path):
    path = tmp_path / "m.jsonl"
    writer = ManifestWriter(path)
    writer.write(Record(f"{SITE}/release/a", "written", output="releases/a.md"))
    writer.write(Record(f"{SITE}/release/a", "unchanged", output="releases/a.md"))
    writer.close()
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"url": "torn')
    outcomes = read_manifest(path)
    assert list(outcomes) == [f"{SITE}/release/a"] and outcomes[f"{SITE}/release/a"].outcome == "unchanged"


def test_manifest_blank_and_foreign_lines_are_skipped_and_fields_kept(tmp_path):
    path = tmp_path / "m.jsonl"
    writer = ManifestWriter(path)
    writer.write(Record(f"{SITE}/release/a", "failed", status=404, reason="http 404", discovered=True))
    writer.close()
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('\n[1, 2]\n{"not": "an outcome"}\n')
    writer = ManifestWriter(path)
    writer.write(Record(f"{SITE}/release/b", "written", f"{SITE}/release/b", 200, "releases/b.md", sha1="0" * 40))
    writer.close()
    outcomes = read_manifest(path)
    assert outcomes == {
        f"{SITE}/release/a": Record(f"{SITE}/release/a", "failed", status=404, reason="http 404", discovered=True),
        f"{SITE}/release/b": Record(f"{SITE}/release/b", "written", f"{SITE}/release/b", 200, "releases/b.md",
                                     sha1="0" * 40)}
    # the final URL is written only when it is not the URL requested
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if "release/" in line]
    assert ['"final_url"' in line for line in lines] == [True, False]


def _mixed_seeds(seeds, out):
    """Seeds of every kind a diff meets, their outputs and the run's manifest."""
    import hashlib

    from mirror.archive.document import render as render_doc
    paths, manifest = [], {}
    for n in range(12):
        d = doc(f"r{n}")
        paths.append(put(seeds, d))
        fetched = replace(d, title="A new title") if n % 4 == 1 else d
        put(out, fetched)
        manifest[d.url] = Record(d.url, "written", d.url, 200, relative_path(fetched),
                                  sha1=hashlib.sha1(render_doc(fetched).encode()).hexdigest())
    paths.append(put(seeds, doc("r0"), "again/r0.md"))            # a duplicate URL
    foreign = seeds / "foreign.md"                                # not canonical: parsed in full
    foreign.write_text(f"---\ntitle: Title r3\ndate: 2022-04-05\nurl: {SITE}/release/r3x\n---\n\nBody.",
                       encoding="utf-8")
    paths.append(str(foreign))
    (seeds / "binary.md").write_bytes(b"\xff\xfe not text")
    (seeds / "outside.md").write_text(render(replace(doc("x"), url="https://example.org/x")), encoding="utf-8")
    walled = doc("walled")
    (seeds / "walled.md").write_bytes(render(walled).encode() + b"\xff tail")  # head fine, body not UTF-8
    manifest[walled.url] = Record(walled.url, "blocked", status=200)
    paths += [str(seeds / "binary.md"), str(seeds / "outside.md"), str(seeds / "walled.md"),
              str(seeds / "missing.md")]
    return paths, manifest


def _as_json(result):
    return (sorted(result.unchanged), [e.as_json() for e in result.entries], result.not_checked,
            result.duplicates)


def test_seeds_read_in_other_processes_give_the_same_diff(tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    paths, manifest = _mixed_seeds(seeds, out)
    for outcomes in (manifest, None):
        alone = diff(paths, str(out), outcomes)
        with SeedReader(paths, processes=2, min_seeds=1) as reader:
            assert reader._pool is not None  # the test is about the forked path
            spread = diff_seeds(reader.seed_set(), str(out), outcomes)
        assert _as_json(spread) == _as_json(alone)
        assert len(alone.unchanged) >= 8 and alone.duplicates == 1
    statuses = {e.seed.rsplit("/", 1)[-1]: (e.status, e.fields) for e in alone.entries}
    assert statuses["2022-04-05-r1.md"] == (CHANGED, ["title"])
    assert [statuses[n][0] for n in ("binary.md", "outside.md", "missing.md")] == [SEED_INVALID] * 3


def test_a_seed_whose_body_is_not_utf8_is_seed_invalid_not_a_crash(tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    paths, manifest = _mixed_seeds(seeds, out)
    walled = next(p for p in paths if p.endswith("walled.md"))
    for outcomes in (manifest, None):
        entry = next(e for e in diff(paths, str(out), outcomes).entries if e.seed == walled)
        assert entry.status == SEED_INVALID and "not UTF-8" in entry.reason


def test_a_seed_reader_in_a_threaded_process_reads_in_place(tmp_path):
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with SeedReader([str(tmp_path / "a.md")] * 5, processes=2, min_seeds=1) as reader:
            assert reader._pool is None  # forking beside a thread could deadlock the child
            assert [e.reason for e in reader] == ["cannot be read"] * 5
    finally:
        stop.set()
        thread.join()


def _die(paths):
    import os
    os._exit(9)


def test_a_seed_reading_process_that_dies_costs_nothing_but_time(tmp_path, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    import mirror.archive.seeds
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    paths, manifest = _mixed_seeds(seeds, out)
    alone = diff(paths, str(out), manifest)
    monkeypatch.setattr(mirror.archive.seeds, "read_slice", _die)  # forked processes see the patch
    with SeedReader(paths, processes=2, min_seeds=1) as reader:
        spread = diff_seeds(reader.seed_set(), str(out), manifest)
        assert all(isinstance(future.exception(timeout=60), BrokenProcessPool) for _, future in reader._slices)
    assert _as_json(spread) == _as_json(alone)


def test_mirror_diff_command_gives_one_answer_whatever_its_processes(tmp_path):
    """Enough seeds (1,200) that `mirror diff` reads them in forked processes."""
    import hashlib
    import json
    import subprocess
    import sys

    seeds, out = tmp_path / "seeds", tmp_path / "out"
    writer = ManifestWriter(tmp_path / "manifest.jsonl")
    for n in range(1200):
        d = doc(f"many-{n}")
        put(seeds, d)
        fetched = replace(d, body="A changed body.") if n % 300 == 7 else d
        put(out, fetched)
        writer.write(Record(d.url, "written", d.url, 200, relative_path(fetched),
                             sha1=hashlib.sha1(render(fetched).encode()).hexdigest()))
    writer.close()
    reports = []
    for processes in ("1", "2"):
        report = tmp_path / f"report-{processes}"
        done = subprocess.run([sys.executable, "-m", "mirror", "diff", "--seeds", str(seeds), "--output", str(out),
                               "--manifest", str(tmp_path / "manifest.jsonl"), "--report", str(report),
                               "--processes", processes], capture_output=True, text=True, timeout=120)
        assert done.returncode == 1, done.stderr
        data = json.loads((report / "report.json").read_text(encoding="utf-8"))
        reports.append((data["summary"], data["entries"]))
    assert reports[0] == reports[1]
    assert reports[0][0]["unchanged"] == 1196 and reports[0][0]["changed"] == 4
