"""The archive as a git work tree: what `mirror accept --commit/--push` asks
of git.

Everything goes through the `git` command line (the same program the keeper
uses, with the keeper's configuration, identity and hooks), never through a
library of our own.  Paths are given to git as literal pathspecs, so a file
name holding `*` or `:` means that file only.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

# Seconds a git command may take; a push to a slow remote is the longest.
GIT_TIMEOUT = 300


class GitError(RuntimeError):
    """A git command that failed: its message is git's own last line."""


def _git(top: str, *args: str, timeout: float = GIT_TIMEOUT, stdin: str | None = None) -> str:
    command = ["git", "--literal-pathspecs", "-C", top, *args]
    try:
        # no prompt for a password: an unattended job must fail, not wait
        done = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git {args[0]}: {exc}") from None
    if done.returncode:
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        raise GitError(f"git {args[0]}: {lines[-1] if lines else f'exit status {done.returncode}'}")
    return done.stdout


# Paths go to git on its standard input: thousands of them would not fit
# on one command line.
_FROM_STDIN = ("--pathspec-from-file=-", "--pathspec-file-nul")


def _nul(paths: list[str]) -> str:
    return "".join(f"{path}\0" for path in paths)


def work_tree(folder: str) -> str | None:
    """The top of the git work tree holding `folder` (links followed), or
    None when it is in none (or git is missing)."""
    try:
        top = _git(os.path.realpath(folder), "rev-parse", "--show-toplevel", timeout=30).strip()
    except GitError:
        return None
    return os.path.realpath(top) if top else None


@dataclass(frozen=True)
class Change:
    path: str      # relative to the work tree's top
    added: bool    # a file git does not track yet (else a tracked file modified)


def changes(top: str, folder: str) -> dict[str, Change]:
    """What git sees changed under `folder` (relative to `top`), by path:
    modified, added, deleted or untracked files, each file named (not its
    folder); ignored files are not changes."""
    out = _git(top, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--", folder)
    found: dict[str, Change] = {}
    for record in out.split("\0"):
        if len(record) > 3:
            code, path = record[:2], record[3:]
            found[path] = Change(path, added=code in ("??", "A "))
    return found


def commit(top: str, paths: list[str], message: str) -> str:
    """Commit exactly `paths` (relative to `top`) as they are in the work
    tree, whatever else is staged or changed; returns the new commit's id."""
    _git(top, "add", *_FROM_STDIN, stdin=_nul(paths))
    # With paths, `git commit` takes those paths only (--only): anything the
    # keeper has staged besides stays staged and out of this commit.
    _git(top, "commit", "--quiet", "--only", "--message", message, *_FROM_STDIN, stdin=_nul(paths))
    return _git(top, "rev-parse", "HEAD", timeout=30).strip()


def push(top: str) -> str:
    """Push the current branch to the branch it tracks; returns where to
    ("origin/main").  No tracked branch is an error, not a guess."""
    branch = _git(top, "symbolic-ref", "--quiet", "--short", "HEAD", timeout=30).strip()
    try:
        remote = _git(top, "config", f"branch.{branch}.remote", timeout=30).strip()
        merge = _git(top, "config", f"branch.{branch}.merge", timeout=30).strip()
    except GitError:
        raise GitError(f"git push: the branch {branch} tracks no remote branch") from None
    _git(top, "push", "--quiet", remote, f"HEAD:{merge}")
    return f"{remote}/{merge.removeprefix('refs/heads/')}"
