"""Per-article sentence lists, computed once and cached for the life of the `Article` object."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

from newsthread.model import Article
from newsthread.story.text import script_ratio, split_sentences

_CACHE: weakref.WeakKeyDictionary[Article, dict[str, object]] = weakref.WeakKeyDictionary()

# speaker labels of transcripts ("В.Путин:", "К.Токаев:") and dialogue dashes
_SPEAKER_RE = re.compile(r"^(?:[А-ЯЁA-Z]\.\s?){1,2}[А-ЯЁA-Z][\w-]+:\s*")
_LEADING_DASH_RE = re.compile(r"^[-–—]\s+")
_ZERO_WIDTH_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# datelines: "LOS ANGELES (Reuters) - ", "LONDON, Nov 1 — ", "INTERFAX.RU - ", "МОСКВА, 1 ноя — РИА Новости. "
_DATELINE_RE = re.compile(
    r"^(?:[A-ZА-ЯЁ][A-ZА-ЯЁ .'’-]{2,}?|[\w.-]+\.(?:ru|com|ua|kz|by|net|org|info))"
    r"(?:,\s*[\w .]{1,25}?)?\s*(?:\([\w .]{2,20}\))?\s*(?:--|—|–|-)\s*"
    r"(?:(?:РИА Новости|ТАСС|Интерфакс|Прайм|RT|Sputnik|Reuters|AFP|AP)\s*[.,]\s*)?"
)
_TASS_DATELINE_RE = re.compile(r"^[А-ЯЁA-Z][А-ЯЁA-Z .-]+,\s*\d{1,2}\s+\w+\.?\s*/\s*[^/]{2,20}/\.?\s*")


_AGENCY_DATELINE_RE = re.compile(
    r"^(?:\((?:Reuters|AP|AFP|Bloomberg|dpa|UPI)\)\s*[-—–]+\s*|[A-ZА-ЯЁ][A-ZА-ЯЁ .'’-]{2,}:\s+)"
)


def strip_dateline(text: str) -> str:
    stripped = _TASS_DATELINE_RE.sub("", text, count=1)
    if stripped == text:
        stripped = _AGENCY_DATELINE_RE.sub("", text, count=1)
    if stripped == text:
        stripped = _DATELINE_RE.sub("", text, count=1)
    if stripped != text and stripped[:1].islower():
        return text
    return stripped or text


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    index: int  # position in the article (title is -1)
    paragraph: int
    is_title: bool = False


def cache(article: Article) -> dict[str, object]:
    """A scratch dict tied to the article object (freed with it)."""
    slot = _CACHE.get(article)
    if slot is None:
        slot = {}
        _CACHE[article] = slot
    return slot


def body_paragraphs(article: Article) -> list[str]:
    paragraphs = [p.strip() for p in article.paragraphs if p and p.strip()]
    description = (article.description or "").strip()
    if description and not any(description[:60] in p for p in paragraphs[:3]):
        paragraphs.insert(0, description)
    return paragraphs


def sentences(article: Article, lang: str, max_sentences: int | None = None) -> list[Sentence]:
    """Title (index -1) then body sentences; speaker labels and dialogue dashes removed."""
    slot = cache(article)
    key = f"sentences:{lang}"
    result = slot.get(key)
    if result is None:
        result = []
        if article.title.strip():
            result.append(Sentence(article.title.strip(), -1, -1, True))
        index = 0
        for p_index, paragraph in enumerate(body_paragraphs(article)):
            paragraph = _ZERO_WIDTH_RE.sub("", paragraph)
            for text in split_sentences(" ".join(paragraph.split()), lang):
                text = strip_dateline(_LEADING_DASH_RE.sub("", _SPEAKER_RE.sub("", text)).strip())
                if text:
                    result.append(Sentence(text, index, p_index))
                    index += 1
        slot[key] = result
    if max_sentences is not None:
        return result[: max_sentences + 1]
    return result  # type: ignore[return-value]


def in_language(text: str, lang: str) -> bool:
    return script_ratio(text, lang) >= 0.8


def site_label(article: Article) -> str:
    return article.site or article.host or article.name
