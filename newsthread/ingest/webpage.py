"""Reader for ordinary web pages (navigation, ads, footers around the story).

trafilatura (`fast=True`) finds the main text; the page's own metadata (Open Graph, <meta>,
`<time datetime>`) is read with selectolax first because it is exact (trafilatura keeps
only the day of the publication date), and trafilatura's metadata fills what is missing.
"""

from __future__ import annotations

import logging

from selectolax.lexbor import LexborHTMLParser

from newsthread.ingest.errors import ReadError
from newsthread.ingest.textutil import clean_line, host_of, unescape_twice
from newsthread.model import Article, parse_time

MAX_TITLE_CHARS = 1000
MIN_TEXT_CHARS = 150  # less main text than this is a home page, a login form, an error page…

_META_KEYS = {
    "og:title": "title",
    "twitter:title": "title",
    "og:url": "url",
    "og:site_name": "site",
    "og:description": "description",
    "description": "description",
    "twitter:description": "description",
    "article:published_time": "published",
    "og:article:published_time": "published",
    "datepublished": "published",
    "pubdate": "published",
    "publishdate": "published",
    "date": "published",
    "dc.date.issued": "published",
    "parsely-pub-date": "published",
    "sailthru.date": "published",
    "author": "author",
    "article:author": "author",
    "parsely-author": "author",
    "dc.creator": "author",
}

logging.getLogger("trafilatura").addHandler(logging.NullHandler())


def _page_metadata(tree: LexborHTMLParser) -> dict[str, str]:
    fields: dict[str, str] = {}
    for meta in tree.css("meta"):
        attrs = meta.attributes
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").strip().lower()
        field = _META_KEYS.get(key)
        content = clean_line(unescape_twice(attrs.get("content") or ""))
        if field and content and field not in fields:
            if field == "author" and content.startswith(("http://", "https://")):
                continue  # article:author is often a profile URL
            fields[field] = content
    if "url" not in fields:
        canonical = tree.css_first('link[rel="canonical"]')
        href = (canonical.attributes.get("href") or "") if canonical is not None else ""
        if href.startswith(("http://", "https://")):
            fields["url"] = href.strip()
    if "published" not in fields:
        time_node = tree.css_first("article time[datetime], time[datetime]")
        if time_node is not None:
            fields["published"] = (time_node.attributes.get("datetime") or "").strip()
    if "title" not in fields:
        for selector in ("h1", "title"):
            node = tree.css_first(selector)
            if node is not None and node.text(deep=True).strip():
                fields["title"] = clean_line(node.text(deep=True))
                break
    return fields


def _main_text(name: str, text: str, url: str):
    import trafilatura

    try:
        return trafilatura.bare_extraction(
            text,
            url=url or None,
            fast=True,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
        )
    except Exception as error:  # noqa: BLE001 — hostile HTML can break lxml/trafilatura in many ways
        raise ReadError(
            name, f"could not extract the text of the web page ({type(error).__name__})"
        ) from None


def read_webpage(name: str, text: str) -> Article:
    tree = LexborHTMLParser(text)
    fields = _page_metadata(tree)
    document = _main_text(name, text, fields.get("url", ""))
    extracted = (getattr(document, "text", None) or "") if document is not None else ""
    title = fields.get("title") or clean_line(getattr(document, "title", None) or "")
    paragraphs = [p for p in (clean_line(line) for line in extracted.splitlines()) if p]
    if paragraphs and title and paragraphs[0] == title:
        paragraphs = paragraphs[1:]  # trafilatura repeats the headline as the first line
    n_chars = sum(len(p) for p in paragraphs)
    if n_chars < MIN_TEXT_CHARS:
        raise ReadError(
            name, f"HTML page has no article text (main text is {n_chars} characters, need {MIN_TEXT_CHARS})"
        )
    url = fields.get("url") or (getattr(document, "url", None) or "")
    published = parse_time(fields.get("published", "")) or parse_time(getattr(document, "date", None) or "")
    return Article(
        name=name,
        title=title[:MAX_TITLE_CHARS],
        url=url,
        site=fields.get("site") or clean_line(getattr(document, "sitename", None) or "") or host_of(url),
        description=fields.get("description") or clean_line(getattr(document, "description", None) or ""),
        author=fields.get("author") or clean_line(getattr(document, "author", None) or ""),
        published=published,
        paragraphs=paragraphs,
        source_format="webpage",
    )
