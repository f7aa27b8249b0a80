"""newsthread.nlp.terms: normal forms, stop words, entity and number marks."""

from __future__ import annotations

import pytest

from newsthread.model import Article
from newsthread.nlp.terms import TermAnalyzer, is_strong


@pytest.fixture(scope="module")
def analyzer() -> TermAnalyzer:
    return TermAnalyzer()


def test_russian_lemmas_and_stop_words(analyzer):
    terms = analyzer.terms("Артисты театра отравились после выступления в Москве", "ru")
    assert terms == ["артист", "театр", "отравиться", "выступление", "Москва"]


def test_russian_inflected_names_share_one_entity_term(analyzer):
    a = analyzer.terms("Встреча с Путиным прошла в Омске.", "ru")
    b = analyzer.terms("Путин прибыл в Омск.", "ru")
    assert "Путин" in a and "Путин" in b
    assert "Омск" in a and "Омск" in b


def test_sentence_start_is_an_entity_only_for_names(analyzer):
    # "Известны" opens the sentence: an adjective, not a name; "Ковалев" is a surname anywhere
    terms = analyzer.terms("Известны гонорары. Ковалев получит три миллиона", "ru")
    assert "известный" in terms and "Известный" not in terms
    assert "Ковалев" in terms


def test_numbers_are_kept(analyzer):
    terms = analyzer.terms("Ставка снижена до 6,5% с 7 процентов в 2019 году", "ru")
    assert "6.5" in terms and "7" in terms and "2019" in terms
    assert all(is_strong(t) for t in ("6.5", "2019"))


def test_english_stems_entities_and_acronyms(analyzer):
    terms = analyzer.terms("Watchdog sues the FBI over facial recognition in Washington", "en")
    assert "Fbi" in terms and "Washington" in terms
    assert "sue" in terms and "recognit" in terms
    assert "the" not in terms and "over" not in terms


def test_english_title_case_words_are_names_only_if_the_text_says_so(analyzer):
    article = Article(
        name="x",
        lang="en",
        title="Iran Basketball Team Held At Airport",
        description="The basketball team of Iran was held at an airport in Tehran.",
    )
    title_terms, body_terms = analyzer.terms_of(article)
    assert "Iran" in title_terms  # capitalised in the text too
    assert "basketbal" in title_terms and "Basketbal" not in title_terms
    assert "Tehran" in body_terms


def test_soft_hyphens_do_not_split_words(analyzer):
    assert analyzer.terms("facial recog\u00adnition", "en") == ["facial", "recognit"]


def test_body_reads_description_and_first_words_only(analyzer):
    article = Article(
        name="x",
        lang="en",
        title="Title",
        description="Alpha beta gamma.",
        paragraphs=["delta " * 400, "omega"],
    )
    _, body = TermAnalyzer(body_words=50).terms_of(article)
    assert body[:3] == ["alpha", "beta", "gamma"]
    assert "omega" not in body
    assert len(body) <= 50


def test_annotate_fills_both_lists(analyzer):
    article = Article(
        name="x", lang="ru", title="Путин провел переговоры", paragraphs=["Встреча прошла в Кремле."]
    )
    analyzer.annotate([article])
    assert article.title_terms == ["Путин", "провести", "переговоры"]
    assert "Кремль" in article.body_terms


def test_other_languages_are_lower_cased_words(analyzer):
    assert analyzer.terms("Der Bundestag stimmt zu", "de") == ["der", "bundestag", "stimmt", "zu"]
