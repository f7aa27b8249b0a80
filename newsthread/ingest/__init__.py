"""Readers: turn files, bytes or directories into `Article`s, choosing the format by content.

Formats (see each module): contest HTML (`contest_html`), any other web page (`webpage`),
JSON Lines / JSON (`jsonl`), the Markdown layout (`markdown`) and bare transcripts (`transcript`).
The file extension is not trusted: the first characters decide. Anything that is not an article
raises `ReadError` with a reason a user can act on; `read_paths` collects those and goes on.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newsthread.ingest.contest_html import looks_like_contest_html, read_contest_html
from newsthread.ingest.errors import ReadError
from newsthread.ingest.jsonl import looks_like_json, read_json
from newsthread.ingest.markdown import looks_like_markdown, read_markdown
from newsthread.ingest.names import safe_name
from newsthread.ingest.transcript import looks_like_transcript, read_transcript
from newsthread.ingest.webpage import read_webpage
from newsthread.model import Article

MAX_FILE_BYTES = 5 * 1024 * 1024  # one article: larger inputs are not articles; refuse rather than stall
MAX_JSON_BYTES = 256 * 1024 * 1024  # a JSON Lines file holds many articles

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_JSON_BYTES",
    "ReadError",
    "ReadResult",
    "decode",
    "iter_input_files",
    "read_bytes",
    "read_paths",
    "read_text",
    "safe_name",
]

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xfd7zXZ", "an xz archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\x7fELF", "an executable"),
    (b"SQLite format 3", "an SQLite database"),
)
_DECLARED_CHARSET = re.compile(
    rb"""(?:charset|encoding)\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32), 127])
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_HTML_START = re.compile(r"<(?:!doctype\s+html|html|head|body|article|meta|p|h1|title)\b", re.IGNORECASE)


def _size_limit(head: bytes) -> int:
    """JSON may hold many articles, so it is allowed to be larger than one article."""
    return MAX_JSON_BYTES if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[") else MAX_FILE_BYTES


def _mib(n_bytes: int) -> str:
    return f"{n_bytes / (1024 * 1024):.0f} MiB"


def decode(name: str, data: bytes) -> str:
    """Bytes → text. Empty, huge, binary or undecodable input raises ReadError.

    UTF-8 (with or without BOM) and UTF-16 with a BOM are read as such. Other encodings are used
    only when the file declares them (`<meta charset="windows-1251">`, an XML declaration);
    undeclared non-UTF-8 bytes are refused rather than guessed.
    """
    name = safe_name(name)
    limit = _size_limit(data[:64])
    if len(data) > limit:
        raise ReadError(name, f"file is too large ({_mib(len(data))}; the limit is {_mib(limit)})")
    if not data or data.isspace():
        raise ReadError(name, "empty file")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise ReadError(name, "broken UTF-16 text") from None
        return _check_text(name, text)
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise ReadError(name, f"binary file ({kind}), not an article")
    if b"\x00" in data[:4096]:
        raise ReadError(name, "binary file (NUL bytes), not an article")
    sample = data[:4096]
    if len(sample.translate(None, _NOT_CONTROL_BYTES)) > max(8, len(sample) // 100):
        raise ReadError(name, "binary file (control characters), not an article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        text = _check_text(name, _decode_declared(name, data, error))
    if not text or text.isspace():
        raise ReadError(name, "empty file")
    return text


def _decode_declared(name: str, data: bytes, error: UnicodeDecodeError) -> str:
    why = f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
    match = _DECLARED_CHARSET.search(data[:4096])
    if not match:
        raise ReadError(name, f"{why} and no charset declared")
    declared = match.group(1).decode("ascii").lower()
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        raise ReadError(name, f"{why}; declared charset {declared!r} is unknown") from None
    if codec in ("utf-8", "utf-8-sig"):
        raise ReadError(name, f"{why} although it declares UTF-8")
    try:
        return data.decode(codec)
    except UnicodeDecodeError as second:
        raise ReadError(name, f"not valid {declared} text either (offset {second.start})") from None


def _check_text(name: str, text: str) -> str:
    if not text or text.isspace():
        raise ReadError(name, "empty file")
    sample = text[:4096]
    if len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        raise ReadError(name, "binary file (control characters), not an article")
    return text


def read_text(name: str, text: str, errors: list[ReadError] | None = None) -> list[Article]:
    """Parse text of any supported format into articles (JSON Lines may hold many).

    Bad lines of a JSON Lines file are appended to `errors` when it is given.
    """
    name = safe_name(name)
    head = text[:2000].lstrip("\ufeff \t\r\n")
    if not head:
        raise ReadError(name, "empty file")
    if head.startswith("<"):
        if looks_like_contest_html(text):
            return [read_contest_html(name, text)]
        is_xml = head.startswith("<?xml") and "<html" not in head.lower()
        if not is_xml and _HTML_START.search(head):
            return [read_webpage(name, text)]
        raise ReadError(name, "markup that is not an HTML page (an XML feed?), not an article")
    if looks_like_json(head):
        return read_json(name, text, errors)
    if looks_like_markdown(text):
        return [read_markdown(name, text)]
    if looks_like_transcript(text):
        return [read_transcript(name, text)]
    raise ReadError(
        name,
        "text is not an article in a known layout (expected HTML, JSON Lines, Markdown with a "
        "'# title' line, or a transcript: title, date line, text, source URL)",
    )


def read_bytes(name: str, data: bytes, errors: list[ReadError] | None = None) -> list[Article]:
    """Decode and parse one input. Raises ReadError; see `read_text` for `errors`."""
    return read_text(name, decode(name, data), errors)


def iter_input_files(root: Path) -> Iterator[Path]:
    """All files below root (or root itself), sorted, hidden files and folders skipped.

    Symbolic links to folders are not followed (no loops); special files are yielded so that
    `read_paths` can report them.
    """
    root = Path(root)
    if not root.is_dir():
        if root.exists() or root.is_symlink():
            yield root
        return
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        for file_name in sorted(files):
            if not file_name.startswith("."):
                yield Path(directory) / file_name


@dataclass
class ReadResult:
    """Articles read, and one ReadError per bad file (or per bad line, `error.line` set)."""

    articles: list[Article] = field(default_factory=list)
    errors: list[ReadError] = field(default_factory=list)

    @property
    def failed_files(self) -> int:
        """Files that gave no article at all (bad lines of a good file are not counted)."""
        return sum(1 for error in self.errors if error.line is None)


def _read_file(path: Path) -> bytes:
    name = safe_name(path.name)
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise ReadError(name, "not a regular file")
    with path.open("rb") as handle:
        head = handle.read(64)
        limit = _size_limit(head)
        if info.st_size > limit:
            raise ReadError(name, f"file is too large ({_mib(info.st_size)}; the limit is {_mib(limit)})")
        return head + handle.read(limit + 1 - len(head))


def read_paths(paths: list[Path]) -> ReadResult:
    """Read every file; bad files (and bad JSON lines) become errors, the rest are still read."""
    result = ReadResult()
    for path in paths:
        if not isinstance(path, Path):
            path = Path(path)
        try:
            result.articles.extend(read_bytes(path.name, _read_file(path), result.errors))
        except ReadError as error:
            result.errors.append(error)
        except OSError as error:
            reason = error.strerror or type(error).__name__
            result.errors.append(ReadError(safe_name(path.name), f"cannot read file ({reason})"))
    return result
