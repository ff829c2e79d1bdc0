"""Reach the corpus's files safely: list them, refuse links out of the folder, read within limits.

Every read of a corpus file goes through here (the readers, the hashes behind the staleness
check), so that a file that cannot be read is skipped and named, never a crash.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from assistant.ingest.limits import FileLimits, megabytes
from assistant.ingest.manifest import MANIFEST_NAME
from assistant.shown import shown

# The suffixes the readers know; readers.py maps each to its reader.
SUFFIXES = (".docx", ".htm", ".html", ".markdown", ".md", ".pdf", ".txt")


class UnreadableFile(Exception):
    """A file that exists but whose text cannot be extracted."""


@dataclass(frozen=True)
class IngestProblem:
    """A file that was skipped (or a manifest value that was ignored), and why."""

    path: str
    reason: str
    skipped: bool = True  # False: the file was read, something the manifest says of it was not

    def __str__(self) -> str:
        return f"{'skipped' if self.skipped else 'ignored in'} {shown(self.path)}: {shown(self.reason)}"


def _candidates(corpus_dir: Path) -> list[tuple[str, os.DirEntry]]:
    """Return (path from the corpus folder, entry) of every name under it a reader could take, links
    and odd files included, hidden names and the folders behind links left out, sorted by path."""
    found: list[tuple[str, os.DirEntry]] = []
    _walk(str(corpus_dir), "", found)
    found.sort(key=lambda pair: pair[0])
    return found


def _walk(folder: str, prefix: str, found: list[tuple[str, os.DirEntry]]) -> None:
    """Add the candidates under one folder to `found` (os.scandir: no Path made, no stat for most names)."""
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError:  # unreadable or gone: as Path.rglob, nothing under it
        return
    for entry in entries:
        name = entry.name
        if name.startswith("."):  # hidden, and so is everything under it
            continue
        relative = prefix + name
        if (_suffix(name).lower() in SUFFIXES and name != MANIFEST_NAME
                and name.lower() != "readme.md"):
            found.append((relative, entry))
        try:
            inside = entry.is_dir(follow_symlinks=False)  # a linked folder is not entered
        except OSError:
            inside = False
        if inside:
            _walk(entry.path, relative + "/", found)


def _suffix(name: str) -> str:
    """Return a file name's suffix as Path(name).suffix does ("" for "a." or ".md"), without making a Path."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def refusal(path: Path, corpus_dir: Path) -> str | None:
    """Return why a listed name is not a corpus file (a link out, a dangling link, a pipe…), or None."""
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):  # missing target, or a loop of links
            return "a link to a file that does not exist"
        if not target.is_relative_to(corpus_dir.resolve()):
            return "a link to a file outside the corpus folder, not indexed"
    if not path.is_file() and not path.is_dir():
        return NOT_REGULAR
    return None


NOT_REGULAR = "not a regular file (a pipe, socket or device)"


def scan_corpus(corpus_dir: Path) -> tuple[list[Path], list[IngestProblem]]:
    """Return the corpus files in a stable order, and the names refused with their reason."""
    listed, problems = _scan(corpus_dir)
    return [path for _, path in listed], problems


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Return the supported files under the corpus folder, in a stable order."""
    return scan_corpus(corpus_dir)[0]


def corpus_names(corpus_dir: Path) -> list[tuple[str, Path]]:
    """Return (path from the corpus folder, with "/", and the path) of every corpus file, in a stable order."""
    return _scan(corpus_dir)[0]


def _scan(corpus_dir: Path) -> tuple[list[tuple[str, Path]], list[IngestProblem]]:
    files: list[tuple[str, Path]] = []
    problems: list[IngestProblem] = []
    for relative, entry in _candidates(corpus_dir):
        path = Path(entry.path)
        try:  # a name that is not a link: what the listing said of it is enough
            linked = entry.is_symlink()
            folder = not linked and entry.is_dir(follow_symlinks=False)
            regular = not linked and entry.is_file(follow_symlinks=False)
        except OSError:
            linked = True  # then ask the file system, as for a link
        if linked:
            reason = refusal(path, corpus_dir)
            folder = reason is None and path.is_dir()
        else:
            reason = None if regular or folder else NOT_REGULAR
        if reason:
            problems.append(IngestProblem(relative, reason))
        elif not folder:  # a folder named like a file (or linked): its files are listed
            files.append((relative, path))
    return files, problems


def read_corpus_file(path: Path, corpus_dir: Path, limits: FileLimits) -> bytes:
    """Return a corpus file's bytes; raise UnreadableFile naming what went wrong or which limit."""
    reason = refusal(path, corpus_dir)  # again: the file may have changed since it was listed
    if reason:
        raise UnreadableFile(reason)
    try:
        with _open(path) as file:
            status = os.fstat(file.fileno())
            if not stat.S_ISREG(status.st_mode):
                raise UnreadableFile("not a regular file (a pipe, socket or device)")
            too_large(status.st_size, limits)
            blocks, size = [], 0
            while block := file.read(_BLOCK):  # read(limit) would set the whole limit aside first
                blocks.append(block)
                size += len(block)
                too_large(size, limits)  # it grew while being read
    except OSError as error:
        raise UnreadableFile(f"could not read it ({error.strerror or error})") from error
    return b"".join(blocks)


def _open(path: Path) -> BinaryIO:
    """Open a file for reading; a pipe swapped in after the listing must not block forever."""
    descriptor = os.open(path, os.O_RDONLY | _OPEN_FLAGS)
    try:
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


# O_NONBLOCK and O_CLOEXEC are POSIX's, O_BINARY Windows's: each where it exists.
_OPEN_FLAGS = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def too_large(size: int, limits: FileLimits) -> None:
    """Refuse a file over the size limit, saying how to raise it."""
    if size > limits.file_bytes:
        raise UnreadableFile(
            f"the file is over the {megabytes(limits.file_bytes)} limit for one file "
            "(set ASSISTANT_MAX_FILE_MB to raise it)"
        )


UNREADABLE = "unreadable"
_BLOCK = 1 << 20


def file_hash(path: Path) -> str:
    """Return the SHA-256 of a file's bytes, read in blocks; "unreadable" when it cannot be read.

    The staleness check hashes every corpus file before each answer: an unreadable one must
    count as a stable state, not stop `ask` or `serve`.
    """
    try:
        with _open(path) as file:
            status = os.fstat(file.fileno())
            if not stat.S_ISREG(status.st_mode):
                return UNREADABLE
            # Read in blocks sized to the file (hashlib.file_digest zero-fills a 256 KB buffer for
            # each file: a fifth of the staleness check's time over 2,000 small files).
            digest = hashlib.sha256()
            while block := file.read(min(status.st_size + 1, _BLOCK)):
                digest.update(block)
            return digest.hexdigest()
    except OSError:
        return UNREADABLE
