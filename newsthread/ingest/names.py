"""Article names: the bare file name is the key (tgnews contract §1), so it must be safe.

A name may come from a hostile source (an HTTP PUT path, a JSON field, a file system that allows
newlines in file names). `safe_name` turns anything into a short, printable, bare name that
cannot point into another directory; ordinary names such as "4579916467548679427.html" pass
through unchanged.
"""

from __future__ import annotations

import hashlib
import unicodedata

MAX_NAME_BYTES = 200  # well under the 255-byte file-name limit of common file systems


def _digest(name: str) -> str:
    return hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=4).hexdigest()


def safe_name(name: object) -> str:
    """A bare, printable name of at most MAX_NAME_BYTES bytes (UTF-8)."""
    raw = name if isinstance(name, str) else str(name)
    # lone surrogates (undecodable bytes in file names) cannot be written as UTF-8 JSON
    text = raw.encode("utf-8", "replace").decode("utf-8") if _has_surrogates(raw) else raw
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    if not text.isprintable():
        # control characters, bidi overrides, zero-width marks: drop them (tabs etc. → space)
        text = "".join(
            " " if ch.isspace() else ch for ch in text if ch.isspace() or unicodedata.category(ch)[0] != "C"
        )
        text = " ".join(text.split())
    text = text.strip()
    if text.strip(".") == "":
        return f"unnamed-{_digest(raw)}" if raw else "unnamed"
    if len(text.encode("utf-8")) > MAX_NAME_BYTES:
        stem, dot, suffix = text.rpartition(".")
        if not dot or len(suffix) > 10:
            stem, suffix = text, ""
        tail = f"~{_digest(raw)}" + (f".{suffix}" if suffix else "")
        budget = MAX_NAME_BYTES - len(tail.encode("utf-8"))
        stem = stem.encode("utf-8")[:budget].decode("utf-8", "ignore")
        text = stem + tail
    return text


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
