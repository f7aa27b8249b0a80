"""newsthread.rank: thread titles, article order, importance, source authority."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsthread.model import Article
from newsthread.nlp.terms import shared_analyzer
from newsthread.rank import (
    SourceAuthority,
    clean_title,
    make_thread,
    make_threads,
    rank_threads,
    shipped_authority,
    title_flaws,
)

T0 = datetime(2019, 11, 1, 9, 0, tzinfo=UTC)


def art(name, host, title, hours=0.0, lang="en", text="", category="", links=()):
    article = Article(
        name=name,
        lang=lang,
        url=f"https://{host}/{name}",
        site=host.split(".")[0].capitalize(),
        title=title,
        paragraphs=[text or title],
        published=T0 + timedelta(hours=hours),
        category=category,
        out_links=list(links),
    )
    shared_analyzer().annotate([article])
    return article


@pytest.mark.parametrize(
    "title,lang,flaw",
    [
        ("Will Apple's AirPods Pro change everything?", "en", "question"),
        ("You won't believe what Apple just announced", "en", "clickbait"),
        ("10 things you need to know about AirPods Pro", "en", "clickbait"),
        ("AirPods Pro!", "en", "short"),
        ("“We are very proud of this product”", "en", "quote"),
        ("«Мы гордимся этим продуктом» — Кук", "ru", "quote"),
        ("Вы не поверите, что показала Apple", "ru", "clickbait"),
        ("Что известно о новых AirPods Pro?", "ru", "question"),
        ("LIVE: Apple event as it happened", "en", "not a report"),
        ("APPLE UNVEILS AIRPODS PRO TODAY", "en", "caps"),
    ],
)
def test_title_flaws(title, lang, flaw):
    assert flaw in title_flaws(title, lang)


@pytest.mark.parametrize(
    "title,lang",
    [
        ("Apple unveils AirPods Pro with noise cancellation", "en"),
        ("«Газпром» увеличил чистую прибыль на 20%", "ru"),
        ("Банк России снизил ключевую ставку до 6,5%", "ru"),
    ],
)
def test_plain_headlines_have_no_flaw(title, lang):
    assert title_flaws(title, lang) == []


def test_clean_title_drops_own_site_name_only():
    assert (
        clean_title("Путин провел переговоры | АРБУЗ", "АРБУЗ", "arbuztoday.ru") == "Путин провел переговоры"
    )
    assert clean_title("Man charged over truck deaths - RTE", "Sputnik", "sputniknews.com").endswith("RTE")
    assert clean_title("Apple news - The Verge", "The Verge", "theverge.com") == "Apple news"


def test_question_or_clickbait_title_never_chosen_when_a_plain_one_exists():
    articles = [
        art("q", "bigsite.com", "Will Apple's AirPods Pro change everything?", 0),
        art("c", "bigsite2.com", "You won't believe what Apple just announced", 0.1),
        art("p", "smallblog.net", "Apple unveils AirPods Pro with noise cancellation", 0.2),
    ]
    authority = SourceAuthority({"en": {"bigsite.com": 1.0, "bigsite2.com": 1.0, "smallblog.net": 0.1}})
    thread = make_thread(articles, authority)
    assert thread.title == "Apple unveils AirPods Pro with noise cancellation"
    equal = make_thread(
        articles, SourceAuthority({"en": {"bigsite.com": 0.5, "bigsite2.com": 0.5, "smallblog.net": 0.5}})
    )
    assert equal.articles[0].name == "p"  # flawed headlines are halved in the order too


def test_all_flawed_titles_fall_back_to_the_top_article():
    thread = make_thread([art("q", "a.com", "Is this the end of the iPhone?"), art("r", "b.com", "Why?")])
    assert thread.title in {"Is this the end of the iPhone?", "Why?"}


def test_order_prefers_authority_and_centrality():
    text = "Apple unveiled AirPods Pro wireless earbuds with active noise cancellation for $249 on Monday."
    articles = [
        art("minor", "minor.net", "Apple unveils AirPods Pro earbuds", 0, text=text),
        art(
            "major", "reuters.com", "Apple unveils AirPods Pro earbuds with noise cancellation", 0, text=text
        ),
        art(
            "offtopic",
            "reuters.com",
            "Apple earbuds: a look back at wireless audio",
            0,
            text="History of audio.",
        ),
    ]
    authority = SourceAuthority({"en": {"reuters.com": 0.6, "minor.net": 0.3}})
    thread = make_thread(articles, authority)
    # authority breaks the near-tie; a less central article falls behind despite its source
    assert [a.name for a in thread.articles] == ["major", "minor", "offtopic"]


def test_lang_and_majority_category():
    thread = make_thread(
        [
            art("a", "a.com", "Apple unveils AirPods Pro earbuds", category="technology"),
            art("b", "b.com", "Apple unveils AirPods Pro earbuds today", category="technology"),
            art("c", "c.com", "Apple unveils AirPods Pro earbuds now", category="economy"),
        ]
    )
    assert thread.lang == "en" and thread.category == "technology"
    assert make_thread([art("d", "d.com", "Apple unveils AirPods Pro earbuds")]).category == "other"


def test_five_sources_outrank_one_and_small_threads_rank_last():
    five = [art(f"f{i}", f"site{i}.com", "Apple unveils AirPods Pro earbuds", i * 0.2) for i in range(5)]
    one_site = [
        art(f"o{i}", "onesite.com", "Venice floods as tide swamps the square", i * 0.2) for i in range(5)
    ]
    pair = [art(f"p{i}", f"big{i}.com", "Rugby World Cup final won by South Africa", 1) for i in range(2)]
    authority = SourceAuthority({"en": {"big0.com": 1.0, "big1.com": 1.0}})
    threads = rank_threads(make_threads([pair, one_site, five], authority))
    assert [t.articles[0].name[0] for t in threads] == ["f", "o", "p"]
    assert threads[0].importance > threads[1].importance
    assert threads[2].importance > threads[1].importance  # two strong sources, yet ranked after 3+ threads


def test_recency_decay_relative_to_now():
    old = [art(f"old{i}", f"s{i}.com", "Apple unveils AirPods Pro earbuds", i * 0.1) for i in range(4)]
    new = [
        art(f"new{i}", f"s{i}.com", "Venice floods as tide swamps the square", 20 + i * 0.1) for i in range(4)
    ]
    old_thread, new_thread = make_threads([old, new])
    assert old_thread.importance == pytest.approx(new_thread.importance)  # same sources, same shape
    assert rank_threads([old_thread, new_thread])[0] is new_thread  # now = newest article: old is 20 h stale
    at_start = rank_threads([old_thread, new_thread], now=T0 + timedelta(hours=0.3))
    assert at_start[0] is old_thread
    fresh = old_thread.importance
    rank_threads([old_thread, new_thread], now=T0 + timedelta(hours=10.3))
    assert old_thread.importance == pytest.approx(fresh / 2, rel=0.01)  # 10 h half-life, not compounded


def test_burst_beats_the_same_sources_spread_over_a_day():
    burst = [art(f"b{i}", f"s{i}.com", "Apple unveils AirPods Pro earbuds", i * 0.1) for i in range(4)]
    spread = [art(f"d{i}", f"s{i}.com", "Venice floods as tide swamps the square", i * 7.0) for i in range(4)]
    b, d = make_threads([burst, spread])
    assert b.importance > d.importance


def test_authority_fit_link_graph_and_roundtrip(tmp_path):
    articles = [
        art(
            f"c{i}",
            f"citer{i}.com",
            "Apple unveils AirPods Pro earbuds",
            links=["https://www.wire.com/story"],
        )
        for i in range(5)
    ]
    articles.append(art("w", "wire.com", "Apple unveils AirPods Pro earbuds"))
    articles.append(art("ru", "lenta.ru", "Путин провел переговоры", lang="ru", links=["https://ria.ru/x"]))
    articles.append(art("ria", "ria.ru", "Путин провел переговоры в Кремле", lang="ru"))
    articles.append(
        art("ua", "nv.ua", "Путин провел переговоры с Токаевым", lang="ru", links=["https://ria.ru/y"])
    )
    authority = SourceAuthority().fit(articles, groups=[articles[:6]])
    assert authority.weight("wire.com", "en") > authority.weight("citer0.com", "en")
    assert authority.weight("ria.ru", "ru") > authority.weight("lenta.ru", "ru")
    assert authority.weight("nv.ua", "ru") < authority.weight("lenta.ru", "ru")  # audience: readers in Russia
    assert authority.weight("unknown.org", "en") == authority.default
    path = authority.save(tmp_path / "authority.json.gz")
    loaded = SourceAuthority.load(path)
    assert loaded.weights_ == authority.weights_
    assert loaded.weight("wire.com", "en") == authority.weight("wire.com", "en")


def test_shipped_authority_knows_the_big_outlets():
    authority = shipped_authority()
    assert len(authority) > 500
    assert authority.weight("ria.ru", "ru") > authority.weight("unknown-site.example", "ru")
    assert authority.weight("reuters.com", "en") > authority.weight("unknown-site.example", "en")
