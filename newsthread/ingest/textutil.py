"""Helpers shared by the plain-text readers (Markdown layout, transcripts, JSON Lines)."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

_ENTITY = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
_URL_LINE = re.compile(r"^<?(https?://[^\s<>]+)>?$")
# photo credits and separators that are not part of the story
_BOILERPLATE = re.compile(
    r"^(?:(?:фото|photo|foto|источник фото|фотография|picture|image)\s*(?::|(?:—|–|-)(?=\s)|by\b)|"
    r"[*\-–—_=~·•.\s]+$|<…>$|<\.\.\.>$|\[…\]$|\(…\)$)",
    re.IGNORECASE,
)
_MONTHS = (
    "январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр|"
    "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
)
# a line that is only a date and maybe a time ("7 ноября 2019, 21:00", "2019-11-07 17:40")
_DATE_ONLY = re.compile(
    rf"^(?:\d{{1,2}}\s+(?:{_MONTHS})\w*\.?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[./]\d{{1,2}}[./]\d{{4}})"
    r"(?:[,\sT]+\d{1,2}:\d{2}(?::\d{2})?)?$",
    re.IGNORECASE,
)
_NUMERIC_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def clean_line(line: str) -> str:
    """Collapse whitespace (incl. no-break spaces) and decode HTML entities left in plain text."""
    if "&" in line and _ENTITY.search(line):
        line = html.unescape(line)
    return " ".join(line.split())


def unescape_twice(value: str) -> str:
    """Attribute text from a parser is decoded once; some sources escaped it two or three times."""
    for _ in range(2):
        if "&" not in value or not _ENTITY.search(value):
            break
        value = html.unescape(value)
    return value


def is_boilerplate(line: str) -> bool:
    """Photo credits, separators ("* * *") and elision marks: not story text."""
    return bool(_BOILERPLATE.match(line))


def is_date_only(line: str) -> bool:
    return len(line) <= 40 and bool(_DATE_ONLY.match(line))


def url_of_line(line: str) -> str:
    """The URL if the line is nothing but one http(s) URL, else ""."""
    match = _URL_LINE.match(line.strip())
    return match.group(1) if match else ""


def host_of(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def looks_like_datetime_line(line: str) -> bool:
    return len(line) <= 40 and bool(_NUMERIC_DATETIME.match(line.strip()))
