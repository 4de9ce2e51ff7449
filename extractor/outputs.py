"""Where a command may write, and writing there without ever leaving a half file where a good one was.

Every command that writes a file (`run -o`, `export -o`, `review -o`, `schema -o`, a batch's records) asks
`check_output` first. It refuses, with one line:

- the command's own input (the feed or JSONL being read, the database being exported, the run being reviewed):
  never, not even with `--force`, because nobody means it;
- a database (an SQLite file), or an existing file that is not an output of the same kind (a notes file, a
  feed, a CSV of something else): unless `--force` says so;

and allows a new path, an empty file, standard output (`-`), a device or pipe (`/dev/null`), and an earlier output
of the same kind, which is what re-running a command replaces. The kind is read from the file's first bytes
(`OutputKind.signatures`), never from its name.

`AtomicFile` writes to a temporary file beside the target (`NAME.PID.partial`) and renames it into place when it
is closed, so a failure half-way leaves the earlier file whole (exports, review pages, the schema). A run's
record stream is the exception: it is written in place, a line flushed per finished article, because that file
is the run's journal: a run killed outright leaves its finished records where `--resume` reads them. What a
stream may replace is still checked first.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .errors import OutputError

SQLITE_HEADER = b"SQLite format 3\x00"
_SNIFF = 4096


@dataclass(frozen=True)
class OutputKind:
    """A kind of output file, known by what its first bytes may start with (after leading whitespace)."""

    name: str
    signatures: tuple[bytes, ...]
    inside: tuple[bytes, ...] = ()  # or by what its first bytes contain

    def matches(self, head: bytes) -> bool:
        start = head.lstrip()
        return start.startswith(self.signatures) or any(mark in head for mark in self.inside)


RECORDS_JSONL = OutputKind("a JSONL run output", (b'{"article_id"',), (b'"article_id":',))
RECORDS_CSV = OutputKind("a CSV run output", (b"article_id,title,link,",))
EXPORT = OutputKind(
    "an export",
    (b"incident_id,", b"event_id,", b'{"incident_id"', b'{"event_id"', b'{"type": "FeatureCollection"',
     b'{"type":"FeatureCollection"', b"event_id_cnty,", b"eventid,",
     b"article_id,title,link,"),  # the incidents CSV is the run's one CSV; ACLED's and GTD's columns
)  # fmt: skip
REVIEW_PAGE = OutputKind("a review page", (), (b'<meta name="generator" content="incident-extractor review">',))
GOLDEN_LABELS = OutputKind("a golden labels file", (b'{"article_id"',))
ARTICLES_JSONL = OutputKind("a JSONL file of articles", (b'{"id"',))
SCHEMA = OutputKind("an extraction schema", (), (b'"$defs"', b'"$schema"'))


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(_SNIFF)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _same(path: Path, other: str | os.PathLike[str]) -> bool:
    other_path = Path(other)
    try:
        return path.resolve() == other_path.resolve() or (
            path.exists() and other_path.exists() and os.path.samefile(path, other_path)
        )
    except OSError:
        return False


def check_output(
    path: str | os.PathLike[str],
    kind: OutputKind,
    *,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
    force: bool = False,
    option: str = "-o",
) -> None:
    """Raise OutputError unless writing `kind` to `path` is safe (see the module's rules)."""
    if str(path) == "-":
        return
    target = Path(path)
    for source in inputs:
        if source is not None and str(source) != "-" and _same(target, source):
            raise OutputError(f"{target} is this command's input: give {option} another file")
    if not target.exists():
        if target.is_symlink():
            raise OutputError(f"{target} is a dangling link: give {option} another file")
        return
    mode = target.stat().st_mode
    if stat.S_ISDIR(mode):
        raise OutputError(f"{target} is a directory: give {option} a file name")
    if not stat.S_ISREG(mode):
        return  # a device or a pipe (/dev/null, a FIFO): written through, never replaced
    head = _head(target)
    if not head or force:
        return
    if head.startswith(SQLITE_HEADER):
        raise OutputError(f"{target} is a database: not overwritten (give {option} another file, or --force)")
    if not kind.matches(head):
        raise OutputError(
            f"{target} exists and is not {kind.name}: not overwritten (give {option} another file, or --force)"
        )


class AtomicFile:
    """A text file written beside its target and renamed into place by `close()` (`discard()` drops it).

    `in_place` (a record stream: see the module) and `append` write the target itself, as does a target that is a
    device or a pipe (it cannot be replaced). Every OSError becomes an OutputError naming the target.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, newline: str | None = None, append: bool = False, in_place: bool = False
    ) -> None:
        self.target = Path(path)
        direct = in_place or append or (self.target.exists() and not self.target.is_file())
        self.partial = None if direct else self.target.with_name(f"{self.target.name}.{os.getpid()}.partial")
        try:
            if self.target.parent != Path("."):
                self.target.parent.mkdir(parents=True, exist_ok=True)
            where = self.partial or self.target
            self.stream: IO[str] = open(where, "a" if append else "w", encoding="utf-8", newline=newline)  # noqa: SIM115
        except OSError as exc:
            raise OutputError(f"cannot write {self.target}: {exc.strerror or exc}") from None
        self.closed = self.failed = False

    def _failed(self, exc: OSError) -> OutputError:
        self.failed = True  # reported once: closing after a failed write does not report it again
        return OutputError(f"cannot write {self.target}: {exc.strerror or exc}")

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except OSError as exc:
            raise self._failed(exc) from None

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as exc:
            raise self._failed(exc) from None

    def close(self) -> None:
        """Finish the file: flush, close and rename it into place (after a failed write: drop it)."""
        if self.failed:
            self.discard()
        if self.closed:
            return
        self.closed = True
        try:
            self.stream.close()
            if self.partial is not None:
                os.replace(self.partial, self.target)
        except OSError as exc:
            raise self._failed(exc) from None

    def discard(self) -> None:
        """Drop what was written (the target keeps what it held)."""
        if self.closed:
            return
        self.closed = True
        try:
            self.stream.close()
        except OSError:
            pass  # the write that failed was reported
        if self.partial is not None:
            self.partial.unlink(missing_ok=True)

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()
