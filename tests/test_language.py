"""Language detection on short headlines written for these tests (tests/fixtures/language/)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from newsthread.model import Article
from newsthread.nlp.language import LanguageDetector

FIXTURES = Path(__file__).parent / "fixtures" / "language"
HAS_LINGUA = importlib.util.find_spec("lingua") is not None
# languages that may need lingua's second opinion to be told from Russian in a short headline
NEEDS_SECOND_OPINION = {"bg", "sr", "mk"}


def headlines(file_name: str) -> list[tuple[str, str]]:
    rows = []
    for line in (FIXTURES / file_name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            lang, text = line.split("\t")
            rows.append((lang, text))
    return rows


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.fixture(scope="module")
def letters_only() -> LanguageDetector:
    return LanguageDetector(use_lingua=False)


@pytest.mark.skipif(not HAS_LINGUA, reason="lingua-language-detector is not installed")
@pytest.mark.parametrize(("lang", "text"), headlines("headlines.tsv"))
def test_headline_language(detector: LanguageDetector, lang: str, text: str):
    assert detector.detect(text)[0] == lang


@pytest.mark.parametrize(
    ("lang", "text"),
    [(lang, text) for lang, text in headlines("headlines.tsv") if lang not in NEEDS_SECOND_OPINION],
)
def test_headline_language_from_letters_and_words_alone(letters_only: LanguageDetector, lang: str, text: str):
    assert letters_only.detect(text)[0] == lang


@pytest.mark.parametrize(("lang", "text"), headlines("headlines_holdout.tsv"))
def test_held_out_headlines_never_russian_or_english_by_mistake(
    detector: LanguageDetector, lang: str, text: str
):
    got = detector.detect(text)[0]
    if lang in ("ru", "en"):
        assert got == lang
    else:
        assert got not in ("ru", "en", "und"), f"{lang} headline taken for {got}"


def test_confidence_and_undetermined(detector: LanguageDetector):
    code, confidence = detector.detect("Правительство одобрило бюджет на следующий год")
    assert code == "ru" and 0.4 <= confidence <= 1.0
    assert detector.detect("") == ("und", 0.0)
    assert detector.detect("   \n\t ")[0] == "und"
    assert detector.detect("12345 67 89 — 2019-11-07")[0] == "und"


def test_all_caps_headline(detector: LanguageDetector):
    assert detector.detect("GOVERNMENT APPROVES BUDGET FOR NEXT YEAR")[0] == "en"
    assert detector.detect("ПРАВИТЕЛЬСТВО ОДОБРИЛО БЮДЖЕТ НА СЛЕДУЮЩИЙ ГОД")[0] == "ru"


def test_site_country_breaks_a_tie(detector: LanguageDetector):
    # ҳ is written in Uzbek and in Tajik and nothing else here tells them apart
    text = "Фотоэтюд: Ҳовлимизда тут пишди"
    assert detector.detect(text, url="https://uza.uz/posts/1")[0] == "uz"
    assert detector.detect(text, url="https://khovar.tj/news/1")[0] == "tg"


def test_long_russian_text_with_a_quoted_ukrainian_name_stays_russian(detector: LanguageDetector):
    text = (
        "Президент Украины Владимир Зеленский представил нового главу областной администрации. "
        "Церемония прошла в Тернополе, где собрались депутаты и журналисты. Новый губернатор ранее "
        "работал в партии «Європейська солідарність», сообщает издание. Он пообещал заняться дорогами."
    )
    assert detector.detect(text)[0] == "ru"


def test_annotate_uses_title_text_and_url(detector: LanguageDetector):
    articles = [
        Article(
            name="a.html",
            title="Уряд ухвалив бюджет на наступний рік",
            paragraphs=["Голосували 250 депутатів."],
        ),
        Article(
            name="b.html", title="Regierung beschließt Haushalt", paragraphs=["Der Bundestag stimmte zu."]
        ),
        Article(name="c.html", title="Фотоэтюд: Ҳовлимизда тут пишди", url="https://uza.uz/oz/posts/1"),
        Article(name="d.html", title=""),
    ]
    detector.annotate(articles)
    assert [a.lang for a in articles] == ["uk", "de", "uz", "und"]
    assert all(0.0 <= a.lang_confidence <= 1.0 for a in articles)
