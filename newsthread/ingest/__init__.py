"""Readers: turn files, bytes or directories into `Article`s, choosing the format by content."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newsthread.ingest.contest_html import looks_like_contest_html, read_contest_html
from newsthread.ingest.errors import ReadError
from newsthread.model import Article

MAX_FILE_BYTES = 5 * 1024 * 1024  # larger inputs are not articles; refuse rather than stall

__all__ = ["ReadError", "ReadResult", "read_bytes", "read_text", "iter_input_files", "read_paths"]


def decode(name: str, data: bytes) -> str:
    """Bytes → text. Binary or non-UTF-8 input raises ReadError."""
    if not data.strip():
        raise ReadError(name, "empty file")
    if len(data) > MAX_FILE_BYTES:
        raise ReadError(name, f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    if b"\x00" in data[:4096]:
        raise ReadError(name, "binary file (NUL bytes), not an article")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReadError(name, f"not UTF-8 text ({error.reason} at byte {error.start})") from None


def read_text(name: str, text: str) -> list[Article]:
    """Parse text of any supported format into articles (JSON Lines may hold many)."""
    if looks_like_contest_html(text):
        return [read_contest_html(name, text)]
    raise ReadError(name, "format not recognised")


def read_bytes(name: str, data: bytes) -> list[Article]:
    return read_text(name, decode(name, data))


def iter_input_files(root: Path) -> Iterator[Path]:
    """All regular files below root (or root itself), sorted, hidden files skipped."""
    if root.is_file():
        yield root
        return
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        for file_name in sorted(files):
            if not file_name.startswith("."):
                yield Path(directory) / file_name


@dataclass
class ReadResult:
    articles: list[Article] = field(default_factory=list)
    errors: list[ReadError] = field(default_factory=list)


def read_paths(paths: list[Path]) -> ReadResult:
    """Read every file; bad files become errors, the rest are still read."""
    result = ReadResult()
    for path in paths:
        try:
            data = path.read_bytes()
            result.articles.extend(read_bytes(path.name, data))
        except ReadError as error:
            result.errors.append(error)
        except OSError as error:
            result.errors.append(ReadError(path.name, f"cannot read file ({error.strerror})"))
    return result
