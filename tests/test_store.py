import os

import pytest

from mirror.archive.document import Document, parse
from mirror.archive.store import UnsafePath, atomic_write, relative_path, write_document
from mirror.outcomes import Outcome

WRITTEN, UNCHANGED = Outcome.WRITTEN, Outcome.UNCHANGED

SITE = "https://www.beehive.govt.nz"


def doc(slug="a-release", date="2020-02-03", body="Body."):
    return Document(title="A", date=date, url=f"{SITE}/release/{slug}", body=body)


def test_paths_follow_the_archive_layout():
    assert relative_path(doc()) == "releases/2020/02/2020-02-03-a-release.md"
    assert relative_path(doc(date="0001-01-01")) == "releases/0001/01/0001-01-01-a-release.md"
    speech = Document(title="S", date="2021-01-01", url=f"{SITE}/speech/a-speech")
    assert relative_path(speech) == "speeches/2021/01/2021-01-01-a-speech.md"


@pytest.mark.parametrize("slug", ["..", "%2E%2E", "a%2Fb", ".hidden", ""])
def test_ids_that_would_leave_the_folder_are_refused(tmp_path, slug):
    with pytest.raises(UnsafePath):
        write_document(tmp_path, doc(slug=slug))
    assert list(tmp_path.rglob("*.md")) == []


def test_write_then_unchanged_keeps_mtime(tmp_path):
    relative, outcome, digest, size = write_document(tmp_path, doc())
    assert outcome == WRITTEN and len(digest) == 40
    assert size == (tmp_path / relative).stat().st_size
    path = tmp_path / relative
    os.utime(path, (1_000_000, 1_000_000))
    assert write_document(tmp_path, doc())[1] == UNCHANGED
    assert path.stat().st_mtime == 1_000_000
    assert write_document(tmp_path, doc(body="New."))[1] == WRITTEN
    assert parse(path.read_text(encoding="utf-8")).body == "New."


def test_atomic_write_leaves_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "f.md"
    target.write_bytes(b"old")

    with pytest.raises(TypeError):
        atomic_write(target, "not bytes")  # write() refuses str: fails mid-way
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.md"]
