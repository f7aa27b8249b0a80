"""Reader for the tgnews contest HTML format (Instant-View-like, see the contract doc §1)."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from newsthread.ingest.errors import ReadError
from newsthread.model import Article, parse_time

_META_FIELDS = {
    "og:url": "url",
    "og:site_name": "site",
    "og:title": "title",
    "og:description": "description",
    "article:published_time": "published",
    "article:author": "author",
}


def looks_like_contest_html(text: str) -> bool:
    head = text[:3000]
    return "<article" in text and 'property="og:title"' in head or (
        'property="article:published_time"' in head and "<article" in text
    )


def read_contest_html(name: str, text: str) -> Article:
    """Parse one contest article. Raises ReadError when there is no title at all."""
    tree = LexborHTMLParser(text)
    fields: dict[str, str] = {}
    for meta in tree.css("head meta[property]"):
        key = _META_FIELDS.get(meta.attributes.get("property") or "")
        if key and key not in fields:
            fields[key] = (meta.attributes.get("content") or "").strip()
    article_node = tree.css_first("article")
    paragraphs: list[str] = []
    out_links: list[str] = []
    author = fields.get("author", "")
    published = parse_time(fields.get("published", ""))
    if article_node is not None:
        if not fields.get("title"):
            h1 = article_node.css_first("h1")
            fields["title"] = h1.text(deep=True).strip() if h1 else ""
        for node in article_node.css("p, blockquote, li, h3"):
            # nested <p> inside <blockquote> etc. would double the text: keep the innermost
            if node.tag != "p" and node.css_first("p") is not None:
                continue
            text_of = " ".join(node.text(deep=True).split())
            if text_of:
                paragraphs.append(text_of)
        for link in article_node.css("p a[href]"):
            href = link.attributes.get("href") or ""
            if href.startswith("http"):
                out_links.append(href)
        if not author:
            author_node = article_node.css_first('address a[rel="author"]')
            author = author_node.text(deep=True).strip() if author_node else ""
        if published is None:
            time_node = article_node.css_first("address time[datetime]")
            if time_node is not None:
                published = parse_time(time_node.attributes.get("datetime") or "")
    title = " ".join(fields.get("title", "").split())
    if not title and not paragraphs:
        raise ReadError(name, "no title and no text found in the HTML")
    return Article(
        name=name,
        title=title,
        url=fields.get("url", ""),
        site=fields.get("site", ""),
        description=" ".join(fields.get("description", "").split()),
        author=author,
        published=published,
        paragraphs=paragraphs,
        out_links=out_links,
        source_format="contest_html",
    )
