"""newsthread.cluster: batch and online event grouping on small hand-written fixtures."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsthread.cluster import ClusterConfig, OnlineClusterer, cluster_batch
from newsthread.cluster.speech import speaker
from newsthread.model import Article

T0 = datetime(2019, 11, 1, 9, 0, tzinfo=UTC)


def art(name: str, lang: str, host: str, title: str, text: str, hours: float = 0.0) -> Article:
    return Article(
        name=name,
        lang=lang,
        url=f"https://{host}/news/{name}",
        title=title,
        paragraphs=[text],
        published=T0 + timedelta(hours=hours),
    )


def ru_fixture() -> list[Article]:
    """3 rewrites of a rate cut; 2 articles on a licence withdrawal (same topic: the central bank);
    a singleton; background news; the next rate cut seven weeks later."""
    return [
        art(
            "ru-rate-1",
            "ru",
            "rbc.ru",
            "Банк России снизил ключевую ставку до 6,5% годовых",
            "Совет директоров Банка России в пятницу снизил ключевую ставку на 50 базисных пунктов, до 6,5% "
            "годовых. Регулятор объяснил решение замедлением инфляции, которая в октябре опустилась до 3,8%.",
            0.0,
        ),
        art(
            "ru-rate-2",
            "ru",
            "ria.ru",
            "ЦБ понизил ключевую ставку на 0,5 процентного пункта, до 6,5%",
            "Центробанк снизил ключевую ставку сразу на 50 базисных пунктов, до 6,5% годовых, сообщил "
            "Банк России. Инфляция в октябре замедлилась до 3,8%, напомнил регулятор.",
            0.3,
        ),
        art(
            "ru-rate-3",
            "ru",
            "tass.ru",
            "Банк России снизил ставку до 6,5%, решение совпало с прогнозами",
            "Банк России снизил ключевую ставку до 6,5% годовых с 7%. Решение совпало с прогнозами "
            "аналитиков: замедление инфляции до 3,8% позволило регулятору снизить ставку на 50 пунктов.",
            0.8,
        ),
        art(
            "ru-licence-1",
            "ru",
            "interfax.ru",
            "ЦБ отозвал лицензию у банка «Ресурс»",
            "Банк России отозвал лицензию у саратовского банка «Ресурс» за нарушения законодательства о "
            "противодействии отмыванию доходов. В банк назначена временная администрация АСВ.",
            1.0,
        ),
        art(
            "ru-licence-2",
            "ru",
            "banki.ru",
            "Саратовский банк «Ресурс» лишился лицензии",
            "Центробанк лишил лицензии саратовский банк «Ресурс»: регулятор указал на нарушения "
            "законодательства об отмывании доходов. Временную администрацию возглавит АСВ.",
            2.0,
        ),
        art(
            "ru-snow",
            "ru",
            "mos.ru",
            "В Москве выпал первый снег",
            "Первый снег выпал в Москве в ночь на пятницу. Синоптики обещают, что к выходным он растает, "
            "а температура поднимется до плюс пяти градусов.",
            1.5,
        ),
        art(
            "ru-hockey",
            "ru",
            "sport-express.ru",
            "СКА обыграл ЦСКА в матче КХЛ",
            "Хоккеисты петербургского СКА победили московский ЦСКА со счетом 3:1 в матче регулярного "
            "чемпионата КХЛ. Две шайбы забросил Никита Гусев.",
            3.0,
        ),
        art(
            "ru-phone",
            "ru",
            "3dnews.ru",
            "Samsung показал складной смартфон Galaxy Fold 2",
            "Компания Samsung представила складной смартфон Galaxy Fold второго поколения с гибким экраном "
            "и четырьмя камерами. Продажи начнутся в декабре.",
            4.0,
        ),
        art(
            "ru-rate-later",
            "ru",
            "rbc.ru",
            "Банк России снизил ключевую ставку до 6,25% годовых",
            "Совет директоров Банка России снизил ключевую ставку на 25 базисных пунктов, до 6,25% "
            "годовых. Регулятор объяснил решение замедлением инфляции, которая опустилась до 3,5%.",
            24 * 49,
        ),
    ]


def en_fixture() -> list[Article]:
    """3 rewrites of a product launch; 2 articles on Apple's results (same company, another event);
    a singleton; background news; a similar launch two weeks later."""
    return [
        art(
            "en-pods-1",
            "en",
            "theverge.com",
            "Apple unveils AirPods Pro with active noise cancellation",
            "Apple on Monday unveiled AirPods Pro, new wireless earbuds with active noise cancellation and a "
            "transparency mode. The AirPods Pro cost $249 and go on sale on Wednesday.",
            0.0,
        ),
        art(
            "en-pods-2",
            "en",
            "cnet.com",
            "AirPods Pro announced: noise cancellation for $249",
            "Apple has announced AirPods Pro, its first earbuds with active noise cancellation. The $249 "
            "AirPods Pro add a transparency mode and silicone tips, and ship on Wednesday.",
            0.5,
        ),
        art(
            "en-pods-3",
            "en",
            "reuters.com",
            "Apple launches $249 AirPods Pro with noise cancelling",
            "Apple Inc launched AirPods Pro on Monday, wireless earbuds with active noise cancellation "
            "priced at $249, as it seeks to extend its lead in the wearables market.",
            1.0,
        ),
        art(
            "en-results-1",
            "en",
            "cnbc.com",
            "Apple shares hit record high after quarterly earnings beat",
            "Apple shares rose 4% to a record high on Thursday after the iPhone maker reported quarterly "
            "revenue of $64 billion, beating Wall Street estimates on strong services sales.",
            2.0,
        ),
        art(
            "en-results-2",
            "en",
            "bloomberg.com",
            "Apple stock at record as services sales lift revenue",
            "Apple stock climbed to a record after quarterly revenue of $64 billion beat analysts' estimates. "
            "Services sales and wearables offset weaker iPhone demand, the company reported.",
            2.5,
        ),
        art(
            "en-venice",
            "en",
            "bbc.com",
            "Venice floods as high tide swamps St Mark's Square",
            "Venice was hit by its worst flooding in decades as an exceptionally high tide swamped St Mark's "
            "Square. The mayor called for a state of emergency.",
            1.2,
        ),
        art(
            "en-rugby",
            "en",
            "espn.com",
            "South Africa beat England to win the Rugby World Cup",
            "South Africa beat England 32-12 in Yokohama to win the Rugby World Cup for a third time. "
            "Makazole Mapimpi scored the Springboks' first try in a final.",
            3.0,
        ),
        art(
            "en-mars",
            "en",
            "nasa.gov",
            "NASA's InSight lander detects marsquake",
            "NASA's InSight lander has detected a marsquake, the first seismic signal believed to come from "
            "inside Mars, the space agency said.",
            4.0,
        ),
        art(
            "en-pods-later",
            "en",
            "theverge.com",
            "Apple unveils AirPods Pro Lite with noise cancellation",
            "Apple unveiled AirPods Pro Lite, cheaper wireless earbuds with active noise cancellation and a "
            "transparency mode. The AirPods Pro Lite cost $199 and go on sale on Friday.",
            24 * 14,
        ),
    ]


EXPECTED = {
    "ru": [{"ru-rate-1", "ru-rate-2", "ru-rate-3"}, {"ru-licence-1", "ru-licence-2"}],
    "en": [{"en-pods-1", "en-pods-2", "en-pods-3"}, {"en-results-1", "en-results-2"}],
}


def as_sets(groups: list[list[Article]]) -> set[frozenset[str]]:
    return {frozenset(a.name for a in group) for group in groups}


@pytest.mark.parametrize("lang,fixture", [("ru", ru_fixture), ("en", en_fixture)])
def test_rewrites_join_and_same_topic_events_stay_apart(lang, fixture):
    articles = fixture()
    groups = as_sets(cluster_batch(articles))
    for expected in EXPECTED[lang]:
        assert frozenset(expected) in groups
    grouped = set().union(*EXPECTED[lang])
    rest = {a.name for a in articles} - grouped
    assert all(frozenset({name}) in groups for name in rest)  # singletons, incl. the later event


def test_the_later_similar_event_is_apart_only_because_of_time():
    articles = ru_fixture()
    later = next(a for a in articles if a.name == "ru-rate-later")
    later.published = T0 + timedelta(hours=2)  # the same text on the same morning joins the cut
    groups = as_sets(cluster_batch(articles))
    assert any("ru-rate-later" in g and "ru-rate-1" in g for g in groups)


def test_a_day_apart_is_the_limit_of_one_event():
    base = art(
        "a",
        "en",
        "x.com",
        "Apple unveils AirPods Pro with noise cancellation",
        "Apple unveiled AirPods Pro with active noise cancellation for $249.",
        0,
    )
    near = art(
        "b",
        "en",
        "y.com",
        "Apple unveils AirPods Pro with noise cancellation",
        "Apple unveiled AirPods Pro with active noise cancellation for $249.",
        20,
    )
    far = art(
        "c",
        "en",
        "z.com",
        "Apple unveils AirPods Pro with noise cancellation",
        "Apple unveiled AirPods Pro with active noise cancellation for $249.",
        20 + 60,
    )
    filler = [a for a in en_fixture() if a.name in {"en-venice", "en-rugby", "en-mars"}]
    groups = as_sets(cluster_batch([base, near, far, *filler]))
    assert frozenset({"a", "b"}) in groups and frozenset({"c"}) in groups


def test_same_site_rewrite_joins():
    articles = en_fixture()
    rewrite = copy.deepcopy(articles[0])
    rewrite.name = "en-pods-1-update"
    rewrite.title = "Apple unveils AirPods Pro with active noise cancellation for $249"
    rewrite.published = rewrite.published + timedelta(hours=1)
    groups = as_sets(cluster_batch([*articles, rewrite]))
    assert any({"en-pods-1", "en-pods-1-update"} <= g for g in groups)


def test_every_article_in_exactly_one_group_languages_apart():
    articles = ru_fixture() + en_fixture()
    odd = [
        Article(name="de-1", lang="de", title="Der Bundestag stimmt zu", published=T0),
        Article(name="empty", lang="", title="", published=None),
        Article(
            name="undated",
            lang="en",
            title="Apple unveils AirPods Pro with noise cancellation",
            paragraphs=["Apple unveiled AirPods Pro with active noise cancellation for $249."],
        ),
    ]
    groups = cluster_batch(articles + odd)
    names = [a.name for g in groups for a in g]
    assert sorted(names) == sorted(a.name for a in articles + odd)
    for group in groups:
        assert len({a.lang for a in group}) == 1


def test_terms_are_computed_when_missing():
    articles = en_fixture()
    assert all(not a.title_terms for a in articles)
    cluster_batch(articles)
    assert all(a.title_terms for a in articles)


def test_speaker_rule_keeps_a_reaction_apart():
    event = [
        art(
            "e1",
            "ru",
            "ria.ru",
            "Верховный суд ликвидировал движение «За права человека»",
            "Верховный суд России ликвидировал общественное движение «За права человека» Льва Пономарева "
            "по иску Минюста.",
            0,
        ),
        art(
            "e2",
            "ru",
            "interfax.ru",
            "Верховный суд РФ ликвидировал движение «За права человека»",
            "Верховный суд по административному иску Минюста ликвидировал движение «За права человека», "
            "основанное Львом Пономаревым.",
            0.5,
        ),
        art(
            "e3",
            "ru",
            "tass.ru",
            "Суд ликвидировал движение Льва Пономарева «За права человека»",
            "Верховный суд ликвидировал движение «За права человека» по требованию Минюста.",
            1.0,
        ),
    ]
    reaction = art(
        "r",
        "ru",
        "ria.ru",
        "СПЧ готов содействовать движению «За права человека», заявил Фадеев",
        "Глава СПЧ Валерий Фадеев готов разобраться в ситуации с ликвидацией движения «За права "
        "человека» Льва Пономарева по иску Минюста, которое ликвидировал Верховный суд.",
        1.5,
    )
    filler = [a for a in ru_fixture() if a.name in {"ru-snow", "ru-hockey", "ru-phone"}]
    on = as_sets(cluster_batch(copy.deepcopy(event + [reaction] + filler)))
    assert frozenset({"e1", "e2", "e3"}) in on and frozenset({"r"}) in on
    off = as_sets(
        cluster_batch(copy.deepcopy(event + [reaction] + filler), ClusterConfig(speaker_factor=1.0))
    )
    assert frozenset({"e1", "e2", "e3", "r"}) in off  # the rule is what keeps it apart


@pytest.mark.parametrize(
    "title,lang,who",
    [
        ("СПЧ готов содействовать движению, заявил Фадеев", "ru", "Фадеев"),
        ("В СФ опровергли прогноз генерала о Третьей мировой войне", "ru", "В СФ"),
        ("«Весь мир это увидит» — Макгирт", "ru", "Макгирт"),
        ("Brexit party will contest every seat, says Farage", "en", "Farage"),
        ("Bill DeBlasio Cheers Donald Trump's Move to Florida", "en", "Bill DeBlasio"),
        ("Apple unveils AirPods Pro", "en", None),
        ("СМИ: Артисты Мариинки отравились после выступления", "ru", None),
        ("Банк России снизил ключевую ставку", "ru", None),
    ],
)
def test_speaker_of_headline(title, lang, who):
    found = speaker(title, lang)
    assert (found[0] if found else None) == who


@pytest.mark.parametrize("fixture", [ru_fixture, en_fixture])
def test_online_add_matches_batch_and_remove_updates(fixture):
    batch = as_sets(cluster_batch(fixture()))
    online = OnlineClusterer()
    articles = sorted(fixture(), key=lambda a: a.timestamp)
    keys = {a.name: online.add(a) for a in articles}
    assert as_sets(online.groups()) == batch
    members = sorted(EXPECTED[articles[0].lang][0])
    assert len({keys[name] for name in members}) == 1
    assert online.remove(members[0]) is True
    assert online.remove(members[0]) is False
    assert frozenset(members[1:]) in as_sets(online.groups())
    remaining = [a for a in fixture() if a.name != members[0]]
    online.recluster()
    assert as_sets(online.groups()) == as_sets(cluster_batch(remaining))


def test_online_re_add_replaces_the_article():
    online = OnlineClusterer()
    for article in en_fixture():
        online.add(article)
    changed = en_fixture()[5]  # Venice, re-PUT with another story
    changed.title = "Apple launches AirPods Pro with noise cancellation for $249"
    changed.paragraphs = ["Apple launched AirPods Pro with active noise cancellation for $249 on Monday."]
    online.add(changed)
    assert len(online) == len(en_fixture())
    groups = as_sets(online.groups())
    assert sum("en-venice" in g for g in groups) == 1
    assert any({"en-venice", "en-pods-1"} <= g for g in groups)


SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.mark.shared
def small_event_fixture() -> list[Article]:
    """Four reports of one bridge opening, worded differently, and one unrelated Dutch story."""
    return [
        art(
            "bridge-1",
            "en",
            "reuters.com",
            "Rotterdam opens Europe's longest cycling bridge",
            "The Dutch city of Rotterdam on Friday opened a new cycling bridge across the Maas, which officials "
            "said is now the longest in Europe. The mayor told reporters the project took four years to complete "
            "and cost more than expected, but that it would change how people travel to work.",
            0.0,
        ),
        art(
            "bridge-2",
            "en",
            "bbc.co.uk",
            "Cyclists cross the Maas as Rotterdam bridge opens",
            "Thousands of cyclists crowded onto the new crossing in Rotterdam this week. Local government "
            "officials said it was a great day for the whole region, whose residents had waited a long time for "
            "the building work to finish, and promised more money for bike lanes next year.",
            1.0,
        ),
        art(
            "museum-1",
            "en",
            "reuters.com",
            "Amsterdam museum returns looted painting",
            "The Dutch city of Amsterdam on Friday returned a painting looted during the war to the heirs of its "
            "owner. Officials said the work had hung in the museum for decades; the mayor told reporters it was "
            "a great day for the family.",
            1.5,
        ),
        art(
            "bridge-3",
            "en",
            "dutchnews.nl",
            "New Maas bridge for bikes opens after delays",
            "Speaking at the opening, mayor Ahmed Aboutaleb said the bridge over the Maas would take cars off "
            "the road. Critics in the council have said the budget grew too fast, and an opposition party "
            "asked for an inquiry into the delays last month.",
            2.0,
        ),
        art(
            "bridge-4",
            "en",
            "nltimes.nl",
            "Europe's longest bike bridge opened in Rotterdam",
            "A bridge built only for bicycles opened on Friday in Rotterdam. At 800 metres it is the longest of "
            "its kind in Europe, according to a city statement; some 20,000 riders are expected to use it "
            "every day once the winter is over.",
            2.5,
        ),
    ]


def test_small_batch_uses_background_idf():
    """Five articles give a degenerate batch idf (every term has df 1–5): the shipped corpus
    df keeps "Rotterdam"/"Maas" rare and "said"/"city" common, so the four reports join."""
    from newsthread.cluster.similarity import BACKGROUND_PATH

    assert BACKGROUND_PATH.exists()
    groups = as_sets(cluster_batch(small_event_fixture()))
    assert groups == {frozenset({"bridge-1", "bridge-2", "bridge-3", "bridge-4"}), frozenset({"museum-1"})}
    # the control: batch df alone splits the event
    alone = as_sets(cluster_batch(small_event_fixture(), ClusterConfig(background_docs=0)))
    assert frozenset({"bridge-1", "bridge-2", "bridge-3", "bridge-4"}) not in alone


def test_background_idf_is_the_same_for_batch_and_online():
    """The online index adds the same background prior: its scores equal the batch edges."""
    from newsthread.cluster.online import _LanguageIndex
    from newsthread.cluster.similarity import Vocabulary, batch_edges, encode

    config = ClusterConfig()
    articles = small_event_fixture()
    cluster_batch(articles)  # fills the terms
    enc = encode(articles, Vocabulary(), config)
    left, right, sims = batch_edges(enc, config)
    last = len(articles) - 1
    index = _LanguageIndex("en", config)
    index.rebuild(articles[:-1])
    slots, scores = index.similarities(encode(articles[-1:], index.vocab, config))
    online = {
        articles.index(index.articles[s]): v for s, v in zip(slots.tolist(), scores.tolist(), strict=True)
    }
    expected = {int(i): float(s) for i, j, s in zip(left, right, sims, strict=True) if j == last}
    assert expected
    for i, score in expected.items():
        assert online[i] == pytest.approx(score, abs=1e-5)


@pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="../shared not present")
def test_seeds_form_one_thread_of_their_own_in_the_dev_slice():
    from newsthread.ingest import read_bytes
    from newsthread.nlp.language import LanguageDetector
    from newsthread.pipeline import input_paths, process_paths

    result = process_paths(
        input_paths([SHARED / "data" / "contest_html" / "20191101"]), ("language",), workers=2
    )
    seeds = [a for p in sorted((SHARED / "seeds").glob("*.txt")) for a in read_bytes(p.name, p.read_bytes())]
    assert len(seeds) == 5
    LanguageDetector().annotate(seeds)
    news = [a for a in result.articles + seeds if a.lang in ("en", "ru")]
    groups = cluster_batch(news)
    seed_names = {a.name for a in seeds}
    holding = [g for g in groups if seed_names & {a.name for a in g}]
    assert len(holding) == 1
    assert {a.name for a in holding[0]} == seed_names


@pytest.mark.parametrize("fixture", [ru_fixture, en_fixture])
def test_online_scores_equal_batch_edges(fixture):
    """The same core: one article scored against an index of the others = the batch edges."""
    from newsthread.cluster.online import _LanguageIndex
    from newsthread.cluster.similarity import Vocabulary, batch_edges, encode

    config = ClusterConfig()
    articles = sorted(fixture(), key=lambda a: a.timestamp)[:-1]  # the same day
    lang = articles[0].lang
    cluster_batch(articles)  # fills the terms
    enc = encode(articles, Vocabulary(), config)
    left, right, sims = batch_edges(enc, config)
    batch = {(int(i), int(j)): float(s) for i, j, s in zip(left, right, sims, strict=True)}
    for k in range(len(articles)):
        others = [a for i, a in enumerate(articles) if i != k]
        index = _LanguageIndex(lang, config)
        index.rebuild(others)
        query = encode([articles[k]], index.vocab, config)
        slots, scores = index.similarities(query)
        online = {}
        for slot, score in zip(slots.tolist(), scores.tolist(), strict=True):
            if score >= config.min_edge:
                i = articles.index(index.articles[slot])
                online[(min(i, k), max(i, k))] = score
        expected = {pair: s for pair, s in batch.items() if k in pair}
        assert online.keys() == expected.keys()
        for pair, score in expected.items():
            assert online[pair] == pytest.approx(score, abs=1e-5)
    assert batch  # the fixture does produce edges
