"""`mirror accept --new/--whitespace --commit/--push` on a real git
repository of seeds with a bare repository as its remote: exactly the files
accept wrote are committed, "N added, M modified"; changes accept did not
make are left alone and named; a failed commit or push says so, exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from mirror.archive.document import Document, render
from mirror.outcomes import WHITESPACE_ONLY

from .conftest import REPO

SITE = "https://www.beehive.govt.nz"
RUN_ID = "20261201T010203004Z"


def git_env(home: Path) -> dict[str, str]:
    """No system or global git configuration (a CI machine has no identity):
    the identity is in each repository's own config."""
    home.mkdir(exist_ok=True)
    return {**os.environ, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0"}


def git(cwd: Path, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def make_archive(root: Path, env: dict[str, str]) -> tuple[Path, Path]:
    """A work tree of seeds (identity in its config) tracking a bare remote."""
    remote, seeds = root / "remote.git", root / "archive"
    git(root, "init", "--quiet", "--bare", "--initial-branch=main", str(remote), env=env)
    git(root, "init", "--quiet", "--initial-branch=main", str(seeds), env=env)
    git(seeds, "config", "user.name", "Archive Keeper", env=env)
    git(seeds, "config", "user.email", "keeper@example.invalid", env=env)
    git(seeds, "remote", "add", "origin", str(remote), env=env)
    return seeds, remote


def doc(slug: str, **fields) -> Document:
    base = Document(title=f"Invented title {slug}", date="2026-11-20", url=f"{SITE}/release/{slug}",
                    ministers=("Hon Invented Person",), body=f"Invented body of {slug}.")
    return replace(base, **fields)


def put(path: Path, document: Document) -> bytes:
    data = render(document).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def rel(document: Document) -> str:
    return f"releases/2026/11/{document.date}-{document.url.rsplit('/', 1)[-1]}.md"


@pytest.fixture
def archive(tmp_path):
    """Seeds `steady`, `edited`, `spaced` and `hand-edited` committed and
    pushed; a report in which `fresh` is new, `edited` a real change,
    `spaced` a whitespace-only change and `hand-edited` a real change."""
    env = git_env(tmp_path / "home")
    seeds, remote = make_archive(tmp_path, env)
    output = tmp_path / "output"
    for slug in ("steady", "edited", "spaced", "hand-edited"):
        put(seeds / rel(doc(slug)), doc(slug))
    git(seeds, "add", ".", env=env)
    git(seeds, "commit", "--quiet", "-m", "the archive", env=env)
    git(seeds, "push", "--quiet", "-u", "origin", "main", env=env)
    fetched = {"fresh": doc("fresh", date="2026-11-30", title="A fresh invented release"),
               "edited": doc("edited", body="A rewritten invented body."),
               "spaced": doc("spaced", body="Invented body of spaced.\u00a0"),
               "hand-edited": doc("hand-edited", title="Retitled on the site")}
    entries = []
    for slug, document in fetched.items():
        put(output / rel(document), document)
        status = "new" if slug == "fresh" else "changed"
        entries.append({"url": document.url, "status": status, "output": rel(document),
                        "seed": "" if status == "new" else str(seeds / rel(doc(slug))),
                        "fields": [] if status == "new" else ["body"],
                        "reason": WHITESPACE_ONLY if slug == "spaced" else ""})
    report = output / "reports" / RUN_ID
    report.mkdir(parents=True)
    (report / "report.json").write_text(json.dumps({"run": {"id": RUN_ID}, "summary": {}, "entries": entries}),
                                        encoding="utf-8")
    return {"seeds": seeds, "remote": remote, "output": output, "report": report, "env": env,
            "fetched": fetched, "root": tmp_path}


def accept(archive, *flags: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "mirror", "accept", *flags, "--report", str(archive["report"]),
               "--seeds", str(archive["seeds"]), "--output", str(archive["output"])]
    return subprocess.run(command, cwd=REPO, env=archive["env"], capture_output=True, text=True, timeout=120)


def commits(archive, ref: str = "HEAD") -> list[str]:
    return git(archive["seeds"], "log", "--format=%H", ref, env=archive["env"]).split()


def files_of(archive, commit: str = "HEAD") -> list[str]:
    out = git(archive["seeds"], "show", "--name-status", "--format=", commit, env=archive["env"])
    return sorted(out.strip().splitlines())


def message(archive, commit: str = "HEAD") -> str:
    return git(archive["seeds"], "log", "-1", "--format=%B", commit, env=archive["env"]).rstrip("\n")


def test_new_and_whitespace_committed_and_pushed_real_changes_left(archive):
    done = accept(archive, "--new", "--whitespace", "--commit", "--push")
    assert done.returncode == 0, done.stderr
    assert len(commits(archive)) == 2
    fresh, spaced = archive["fetched"]["fresh"], archive["fetched"]["spaced"]
    assert files_of(archive) == sorted([f"A\t{rel(fresh)}", f"M\t{rel(spaced)}"])
    assert message(archive).splitlines() == [
        f"1 added, 1 modified (run {RUN_ID})", "",
        "changed 2026-11-20 Invented title spaced",
        "new 2026-11-30 A fresh invented release"]
    # pushed: the remote's main is this commit
    assert commits(archive, "origin/main")[0] == commits(archive)[0]
    remote_head = git(archive["remote"], "rev-parse", "main", env=archive["env"]).strip()
    assert remote_head == commits(archive)[0]
    # the real changes were not accepted, and the tree is clean
    assert (archive["seeds"] / rel(doc("edited"))).read_bytes() == render(doc("edited")).encode()
    assert git(archive["seeds"], "status", "--porcelain", env=archive["env"]) == ""


def test_new_alone_takes_only_new_entries(archive):
    done = accept(archive, "--new", "--commit")
    assert done.returncode == 0, done.stderr
    assert files_of(archive) == [f"A\t{rel(archive['fetched']['fresh'])}"]
    assert message(archive).splitlines()[0] == f"1 added, 0 modified (run {RUN_ID})"
    # not pushed
    assert commits(archive, "origin/main") == commits(archive)[1:]


def test_nothing_to_accept_makes_no_commit(archive):
    accept(archive, "--new", "--commit")
    before = commits(archive)
    again = accept(archive, "--new", "--commit", "--push")  # the same bytes are already there
    assert again.returncode == 0, again.stderr
    assert commits(archive) == before
    assert "nothing to commit" in again.stdout
    # the push still sends the commit the earlier call left unpushed
    assert commits(archive, "origin/main") == before


def test_a_dirty_tree_is_left_alone_and_named(archive):
    seeds, env = archive["seeds"], archive["env"]
    hand = seeds / rel(doc("hand-edited"))
    hand.write_text(hand.read_text(encoding="utf-8") + "\nA keeper's own edit.\n", encoding="utf-8")
    steady = seeds / rel(doc("steady"))
    steady.write_text(steady.read_text(encoding="utf-8") + "\nStaged by the keeper.\n", encoding="utf-8")
    git(seeds, "add", rel(doc("steady")), env=env)
    (seeds / "notes.txt").write_text("the keeper's notes", encoding="utf-8")
    status_before = git(seeds, "status", "--porcelain", env=env)
    hand_bytes = hand.read_bytes()

    done = accept(archive, "--all-changed", "--new", "--commit")
    assert done.returncode == 1, done.stderr  # one entry refused
    for path in (hand, steady, seeds / "notes.txt"):
        assert f"left alone, changed but not by accept: {path}" in done.stderr
    assert hand.read_bytes() == hand_bytes
    # the commit holds accept's files only
    fetched = archive["fetched"]
    assert files_of(archive) == sorted([f"A\t{rel(fetched['fresh'])}", f"M\t{rel(fetched['edited'])}",
                                        f"M\t{rel(fetched['spaced'])}"])
    # and the keeper's changes are as they were: staged, unstaged, untracked
    assert git(seeds, "status", "--porcelain", env=env) == status_before


def test_a_failed_push_keeps_the_commit_and_exits_2(archive):
    git(archive["seeds"], "remote", "set-url", "origin", str(archive["root"] / "no-such-remote.git"),
        env=archive["env"])
    done = accept(archive, "--new", "--push")
    assert done.returncode == 2
    assert "git push" in done.stderr and "stay written" in done.stderr
    assert files_of(archive) == [f"A\t{rel(archive['fetched']['fresh'])}"]


def test_a_failed_commit_leaves_the_files_written_and_exits_2(archive):
    hook = archive["seeds"] / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'refused by the keeper's hook' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    done = accept(archive, "--new", "--commit")
    assert done.returncode == 2
    assert "git commit" in done.stderr and "stay written" in done.stderr
    assert (archive["seeds"] / rel(archive["fetched"]["fresh"])).exists()
    assert len(commits(archive)) == 1


def test_no_identity_is_a_failed_commit_not_a_guess(archive):
    git(archive["seeds"], "config", "--unset", "user.name", env=archive["env"])
    git(archive["seeds"], "config", "--unset", "user.email", env=archive["env"])
    env = {**archive["env"], "GIT_AUTHOR_NAME": "", "GIT_COMMITTER_NAME": "", "EMAIL": ""}
    done = subprocess.run([sys.executable, "-m", "mirror", "accept", "--new", "--commit", "--report",
                           str(archive["report"]), "--seeds", str(archive["seeds"]), "--output",
                           str(archive["output"])], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(commits(archive)) == 1


def test_commit_outside_a_work_tree_writes_nothing(tmp_path, archive):
    seeds = tmp_path / "plain-seeds"
    seeds.mkdir()
    done = subprocess.run([sys.executable, "-m", "mirror", "accept", "--new", "--commit", "--report",
                           str(archive["report"]), "--seeds", str(seeds), "--output", str(archive["output"])],
                          cwd=REPO, env={**archive["env"], "GIT_CEILING_DIRECTORIES": str(tmp_path)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "not inside a git work tree" in done.stderr
    assert list(seeds.iterdir()) == []


def test_a_tree_with_many_changes_names_twenty_and_counts_the_rest(archive):
    for n in range(25):
        (archive["seeds"] / f"draft-{n:02d}.md").write_text("a keeper's draft", encoding="utf-8")
    done = accept(archive, "--new", "--commit")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("left alone, changed but not by accept: ") == 20
    assert "and 5 more files changed but not by accept" in done.stderr
    assert files_of(archive) == [f"A\t{rel(archive['fetched']['fresh'])}"]
