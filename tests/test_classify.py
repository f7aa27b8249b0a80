"""News filter and categories: the shipped model, the rules, the features and the training code."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from newsthread.classify import NewsClassifier, rules
from newsthread.classify import train as train_module
from newsthread.classify.features import ArticleFeaturizer, navec_codes, normalise, words
from newsthread.classify.model import default_model_path
from newsthread.classify.train import (
    HAND_LABEL_WEIGHT,
    NOT_NEWS_LABEL,
    NOT_RANDOM_MARK,
    SHIPPED_HAND_LABELS,
    LabelledSet,
    apply_hand_labels,
    fit,
    fit_prior_bias,
    hand_labels_path,
    is_random_sample,
    label_weights,
    labels_matching,
    load_hand_labels,
    prior_correction,
    random_sample_mask,
    read_hand_labels,
    weak_labels,
)
from newsthread.model import CATEGORIES, NEWS_LANGUAGES, Article


def article(title: str, text: str = "", lang: str = "en", url: str = "", description: str = "") -> Article:
    paragraphs = [p for p in text.split("\n") if p]
    return Article(
        name="t.html", title=title, url=url, description=description, paragraphs=paragraphs, lang=lang
    )


@pytest.fixture(scope="module")
def model() -> NewsClassifier:
    return NewsClassifier.load()


# --- the shipped model on articles written for this test -------------------------------------------
NEWS_EXAMPLES = [
    (
        "sports",
        article(
            "«Спартак» обыграл ЦСКА в московском дерби РПЛ",
            "Московский «Спартак» победил ЦСКА со счетом 2:1 в матче 14-го тура Российской премьер-лиги.\n"
            "Голы у хозяев забили нападающие команды во втором тайме, гости отыгрались с пенальти.\n"
            "После этой победы «Спартак» поднялся на шестое место в турнирной таблице чемпионата.",
            lang="ru",
        ),
    ),
    (
        "economy",
        article(
            "Bank of England holds interest rates at 0.75% as inflation slows",
            "The Bank of England kept its main interest rate unchanged at 0.75% on Thursday, with two "
            "members of the Monetary Policy Committee voting for a cut.\nThe central bank lowered its "
            "growth forecasts and said inflation would fall below its 2% target. The pound fell against "
            "the dollar after the decision, while bond yields declined.",
        ),
    ),
    (
        "technology",
        article(
            "Samsung unveils new foldable smartphone with 5G and a bigger battery",
            "Samsung on Tuesday announced a new foldable smartphone that supports 5G networks.\nThe "
            "Android phone has a 7.3-inch display, a faster processor, a triple camera and a larger "
            "battery, and the company said it will go on sale in December.",
        ),
    ),
    (
        "entertainment",
        article(
            "Премьера нового фильма Никиты Михалкова прошла в Москве",
            "В кинотеатре «Октябрь» состоялась премьера нового фильма режиссера Никиты Михалкова.\n"
            "На красной дорожке появились актеры картины, звезды кино и эстрады. В прокат фильм "
            "выйдет в декабре, сообщили продюсеры.",
            lang="ru",
        ),
    ),
    (
        "society",
        article(
            "Former mayor sentenced to eight years in prison for bribery",
            "A court on Friday sentenced the former mayor to eight years in prison after finding him "
            "guilty of taking bribes from construction companies.\nProsecutors said the official "
            "received more than $2 million. His lawyer said he would appeal the verdict.",
        ),
    ),
    (
        "society",
        article(
            "Суд приговорил бывшего главу района к шести годам колонии за взятку",
            "Суд признал бывшего главу района виновным в получении взятки в особо крупном размере и "
            "приговорил его к шести годам колонии строгого режима.\nПо данным следствия, чиновник "
            "получил от предпринимателя 3 млн рублей. Защита намерена обжаловать приговор.",
            lang="ru",
        ),
    ),
    (
        "sports",
        article(
            "Liverpool beat Manchester City 3-1 to go nine points clear",
            "Liverpool beat Manchester City 3-1 at Anfield on Sunday to open a nine-point lead at the top "
            "of the Premier League.\nFabinho, Mohamed Salah and Sadio Mane scored for the home side "
            "before Bernardo Silva pulled one back for the champions.",
        ),
    ),
]

NOT_NEWS_EXAMPLES = [
    article(
        "Pumpkin soup recipe: how to make it in 30 minutes",
        "You will need one small pumpkin, an onion, two cloves of garlic and a litre of stock.\nCut the "
        "pumpkin into cubes, fry the onion, add the stock and simmer for 20 minutes, then blend.",
    ),
    article(
        "Гороскоп на 2 ноября для всех знаков зодиака",
        "Овнам звезды советуют не спешить с решениями. Тельцам день принесет приятные новости.\n"
        "Близнецам стоит уделить внимание здоровью, а Ракам — близким.",
        lang="ru",
    ),
    article(
        "10 best gifts for your dad this Christmas",
        "Looking for the perfect present? Here are our favourite picks, from gadgets to books.",
    ),
    article(
        "Как правильно выбрать зимние шины: советы экспертов",
        "Рассказываем, на что обратить внимание при покупке зимней резины для вашего автомобиля.",
        lang="ru",
    ),
]


@pytest.mark.parametrize(("expected", "example"), NEWS_EXAMPLES, ids=[e[1].title[:40] for e in NEWS_EXAMPLES])
def test_shipped_model_labels_news(model, expected, example):
    is_news, news_conf, category, cat_conf = model.predict(example)
    assert is_news, f"{example.title!r} should be news (confidence {news_conf:.2f})"
    assert category == expected, f"{example.title!r}: {category} ({cat_conf:.2f}), expected {expected}"
    assert 0.0 <= news_conf <= 1.0 and 0.0 <= cat_conf <= 1.0


@pytest.mark.parametrize("example", NOT_NEWS_EXAMPLES, ids=[e.title[:40] for e in NOT_NEWS_EXAMPLES])
def test_shipped_model_drops_not_news(model, example):
    is_news, news_conf, category, _ = model.predict(example)
    assert not is_news, f"{example.title!r} should not be news (news confidence {news_conf:.2f})"
    assert category in CATEGORIES


def test_load_uses_the_file_inside_the_package(model):
    path = default_model_path()
    assert path.is_file() and path.parent.name == "models"
    assert path.stat().st_size < 8_000_000  # a few MB at most
    assert model.classes_ == CATEGORIES
    assert model.coef_.shape == (len(CATEGORIES), model.n_features)
    assert len(model.form_keys_) > 10_000 and np.all(np.diff(model.form_keys_.astype(np.int64)) > 0)
    assert model.info_["articles"] > 10_000  # trained on the real corpus, not a toy


def test_save_load_round_trip_gives_the_same_predictions(model, tmp_path):
    examples = [e for _, e in NEWS_EXAMPLES] + NOT_NEWS_EXAMPLES
    path = tmp_path / "copy.npz"
    model.save(path, info={"note": "copy"})
    copy = NewsClassifier.load(path)
    assert copy.get_params() == model.get_params()
    assert copy.info_ == {"note": "copy"}
    assert np.allclose(copy.category_proba(examples), model.category_proba(examples), atol=1e-6)
    assert [copy.predict(e) for e in examples] == [model.predict(e) for e in examples]


def test_url_section_raises_the_named_category(model):
    text = NEWS_EXAMPLES[1][1]
    plain = model.category_proba([text])[0]
    economy = model.classes_.index("economy")
    sports = model.classes_.index("sports")
    filed = article(text.title, text.text, url="https://example.com/sport/football/2019/rates.html")
    moved = model.category_proba([filed])[0]
    assert moved[sports] > plain[sports] and moved[economy] < plain[economy]
    odds = (moved[sports] / moved[economy]) / (plain[sports] / plain[economy])
    assert odds == pytest.approx(model.section_weight, rel=1e-3)


def test_load_missing_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="classify.train"):
        NewsClassifier.load(tmp_path / "nope.npz")


def test_annotate_sets_fields_and_respects_languages(model):
    ru = NEWS_EXAMPLES[0][1]
    en = NEWS_EXAMPLES[1][1]
    german = article(
        "Bundesbank senkt Prognose für das Wachstum", "Die Wirtschaft wächst langsamer.", lang="de"
    )
    undetected = article("???", "", lang="und")
    recipe = NOT_NEWS_EXAMPLES[0]
    batch = [ru, german, en, undetected, recipe]
    model.annotate(batch)
    assert (ru.is_news, ru.category) == (True, "sports")
    assert (en.is_news, en.category) == (True, "economy")
    for other in (german, undetected):
        assert other.is_news is False and other.category == "" and other.news_confidence == 0.0
    assert recipe.is_news is False and recipe.category in CATEGORIES
    assert 0.5 < ru.news_confidence <= 1.0 and 0.0 < ru.category_confidence <= 1.0


def test_annotate_matches_predict_whatever_the_batch(model):
    examples = [e for _, e in NEWS_EXAMPLES] + NOT_NEWS_EXAMPLES
    singles = [model.predict(e) for e in examples]
    model.annotate(examples)
    assert [(e.is_news, e.category) for e in examples] == [(s[0], s[2]) for s in singles]


@pytest.mark.parametrize(
    "bad",
    [
        article("", "Some text without a title about the government and the parliament."),
        article("Title without any text", ""),
        article("", "", lang="ru"),
        article("   ", "  \n  "),
        article("2019", "12345 67890"),
        article("Huge", "word " * 1_000_000),
        article("Юникод 🙂 ½ ẞ ǅ", "Ж" * 20_000, lang="ru"),
        article("x" * 5000, "", lang="en", url="not a url"),
    ],
    ids=["no-title", "no-text", "empty", "blank", "digits", "huge", "unicode", "long-title"],
)
def test_bad_input_does_not_crash(model, bad):
    is_news, news_conf, category, cat_conf = model.predict(bad)
    assert category in CATEGORIES
    assert np.isfinite(news_conf) and np.isfinite(cat_conf)
    model.annotate([bad])
    assert bad.category in CATEGORIES


def test_large_batches_are_scored_in_chunks_with_the_same_result(model, monkeypatch):
    import newsthread.classify.model as model_module

    examples = [e for _, e in NEWS_EXAMPLES] + NOT_NEWS_EXAMPLES
    whole = model.predict_batch(examples)
    monkeypatch.setattr(model_module, "BATCH", 3)
    chunked = model.predict_batch(examples)
    # the same decisions; confidences equal up to float rounding (matrix products by batch shape)
    assert [(n, c) for n, _, c, _ in chunked] == [(n, c) for n, _, c, _ in whole]
    assert np.allclose([r[1::2] for r in chunked], [r[1::2] for r in whole], atol=1e-5)


def test_empty_article_is_not_news(model):
    assert model.predict(article("", ""))[0] is False
    model.annotate([])  # an empty batch is fine


# --- rules ------------------------------------------------------------------------------------------
RULE_TITLES = [
    ("Chicken curry recipe for busy weeknights", "recipe"),
    ("Гороскоп на неделю: что ждет Скорпионов", "horoscope"),
    ("How to change your Gmail password", "how-to"),
    ("7 ways to save money on groceries", "listicle"),
    ("ТОП-5 бюджетных смартфонов осени", "listicle"),
    ("«Громада»: смотреть онлайн 12 серию", "watch-online"),
    ("Best Black Friday deals on headphones", "sale"),
    ("Daily Deals: Sony DualShock4 controller $40, Beats headphones under $200", "sale"),
    ("Airbus beats Boeing with two mega deals at Dubai air show", ""),  # deals that make news
    ("US mulling sanctions against Serbia over Russia arms deals", ""),
    ("Quiz: how well do you know the Premier League?", "quiz"),
    ("Погода в Казани на выходные: дожди и ветер", "weather-forecast"),
    ("Лукашенко встретился с Путиным в Сочи", ""),
    ("Fed cuts interest rates for the third time this year", ""),
    ("TikTok faces a national security review", ""),
    ("США угрожают Египту санкциями за намерения купить Су-35", ""),
]


@pytest.mark.parametrize(("title", "reason"), RULE_TITLES)
def test_not_news_title_rules(title, reason):
    assert rules.not_news_reason(title) == reason


def test_rule_pre_checks_never_hide_a_match():
    """rules.not_news_reason skips a pattern when none of its substrings occurs: that must never
    change the answer of the plain case-insensitive patterns."""
    titles = (
        [t for t, _ in RULE_TITLES]
        + [e.title for e in NOT_NEWS_EXAMPLES]
        + [e.title for _, e in NEWS_EXAMPLES]
    )
    titles += [
        "Weather: storms ahead",
        "IN PICTURES: a week in Paris – in pictures",
        "Lotto results: winning numbers",
        "Врач советует есть гранат",
        "Podcast: the week in tech",
        "Samsung vs Apple: specs comparison",
    ]
    for title in titles + [t.upper() for t in titles]:
        plain = next((reason for reason, pattern in rules._NOT_NEWS_TITLE if pattern.search(title)), "")
        assert rules.not_news_reason(title) == plain, title


@pytest.mark.parametrize(
    ("url", "category"),
    [
        ("https://www.example.com/sport/football/2019/11/01/some-match.html", "sports"),
        ("https://www.example.ru/news/proisshestviya/123456/", "society"),
        ("https://example.com/business/markets/stocks-fall-1234", "economy"),
        ("https://example.co.uk/arts-entertainment/films/review-x", "entertainment"),
        ("https://example.org/news-cars-auto/new-suv-123", "technology"),
        ("https://sport.example.ua/news/12345", "sports"),
        ("https://www.theverge.com/2019/11/1/123/some-phone", ""),  # sites are separate
        ("https://www.example.com/2019/11/01/slug-with-sport-in-it", ""),  # the slug is not a section
        ("https://example.ru/raznoe/123-slug.html", "other"),
        ("https://example.com/russia/business/markets-slide", "economy"),  # the topic, not the place
        ("https://example.com/russia/some-event", ""),  # a place is a broad section, not a topic
        ("", ""),
    ],
)
def test_section_category(url, category):
    assert rules.section_category(url) == category


@pytest.mark.parametrize(
    ("url", "broad"),
    [
        ("https://example.com/russia/some-event", True),
        ("https://example.ru/news/obshchestvo/12345/", True),
        ("https://example.com/us-news/2019/nov/01/slug", True),
        ("https://example.com/politics/some-vote", False),
        ("https://example.com/world-of-warcraft-patch", False),  # the slug is not a section
    ],
)
def test_broad_section(url, broad):
    assert rules.broad_section(url) == broad


def test_broad_sections_give_light_society_labels(monkeypatch):
    monkeypatch.setattr(train_module, "BROAD_LABEL_WEIGHT", 0.25)
    urls = [
        "https://example.com/ukraine/some-event",
        "https://example.com/ukraine/sport/some-match",
        "https://example.com/politics/some-vote",
        "https://example.com/2019/11/01/no-section",
    ]
    articles = [Article(name=f"{i}.html", title="t", url=u, lang="en") for i, u in enumerate(urls)]
    categories, _ = weak_labels(articles)
    assert list(categories) == ["society", "sports", "society", ""]
    assert list(label_weights(articles, categories)) == [0.25, 1.0, 1.0, 1.0]
    monkeypatch.setattr(train_module, "BROAD_LABEL_WEIGHT", 0.0)
    assert weak_labels(articles)[0][0] == ""  # weight 0: left unlabelled


def test_broad_section_prior_is_weaker_than_a_topical_one(model):
    plain = Article(
        name="a.html", title="Council meets on Tuesday", url="https://x.example.com/a/1", lang="en"
    )
    broad = Article(name="b.html", title=plain.title, url="https://x.example.com/uk-news/1", lang="en")
    topical = Article(name="c.html", title=plain.title, url="https://x.example.com/politics/1", lang="en")
    society = list(model.classes_).index("society")
    p_plain, p_broad, p_topical = model.category_proba([plain, broad, topical])[:, society]
    assert p_plain < p_broad < p_topical


def test_site_rules():
    assert rules.site_category("https://www.theverge.com/2019/11/1/123/some-phone") == "technology"
    assert rules.site_category("https://m.sports.ru/football/1.html") == "sports"
    assert rules.site_category("https://www.interfax.ru/world/1") == ""
    assert rules.site_not_news("https://alles.d3.ru/halloween-1870071/")
    assert rules.section_not_news("https://www.theguardian.com/commentisfree/2019/nov/01/polls")
    assert not rules.section_not_news("https://www.theguardian.com/world/2019/nov/01/x")
    assert rules.section_not_news("https://www.theverge.com/good-deals/2019/11/8/123/headphones-off")
    assert rules.section_not_news("https://www.example.com/shopping-deals/tv-offers")
    assert rules.section_not_news("https://www.example.com/tech-deals/2019/laptops-off")
    # a finance desk's deals are mergers and acquisitions: news
    assert not rules.section_not_news("https://www.reuters.com/markets/deals/acme-to-buy-brightmill/")


# --- features -----------------------------------------------------------------------------------
def test_words_stem_and_shape_numbers():
    assert words("Путин заявил") == ["путин", "заяв"]
    assert words("Apple's iPhone sales rose 5.2% in 2019") == [
        "appl",
        "iphon",
        "sale",
        "rose",
        "<pct>",
        "<year>",
    ]
    assert normalise("2:1") == ["<score>"]
    assert normalise("the") == []
    assert words("I think you should") == ["<p1>", "think", "<p2>", "should"]


def test_featurizer_rows_are_unit_length_and_deterministic():
    featurizer = ArticleFeaturizer(n_features=2**12)
    examples = [e for _, e in NEWS_EXAMPLES] + [article("", "")]
    matrix = featurizer.transform(examples)
    assert matrix.shape == (len(examples), 2**12)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    assert np.allclose(norms[:-1], 1.0, atol=1e-5)
    again = ArticleFeaturizer(n_features=2**12).transform(examples)
    assert (matrix != again).nnz == 0  # murmur hashing: the same columns in any process
    # title words also get their own namespace: a title-only change moves more columns than a body one
    title_changed = featurizer.transform([article("Different words entirely", examples[1].text)])
    assert (title_changed != matrix[1]).nnz > 0


# --- training code on a small synthetic corpus ----------------------------------------------------
TOPICS = {
    "sports": ("match goal coach league striker", "sport/football"),
    "economy": ("shares market bank inflation profit", "business/markets"),
    "technology": ("smartphone app software chip android", "tech/gadgets"),
    "society": ("parliament election court police minister", "politics"),
    "entertainment": ("film actor album concert singer", "entertainment/music"),
}


def _synthetic(n_per_topic: int, seed: int) -> list[Article]:
    rng = np.random.default_rng(seed)
    articles = []
    for topic, (vocabulary, section) in TOPICS.items():
        pool = vocabulary.split() + "the new said year people report city week".split()
        for i in range(n_per_topic):
            title = " ".join(rng.choice(pool, 6))
            text = " ".join(rng.choice(pool, 40))
            url = f"https://site{i % 7}.example.com/{section}/{seed}-{i}.html"
            articles.append(
                Article(name=f"{topic}{i}.html", title=title, url=url, paragraphs=[text], lang="en")
            )
    articles.append(
        Article(
            name="r.html",
            title="Easy pancake recipe",
            url="https://x.example.com/a/b",
            lang="en",
            paragraphs=["Mix flour, eggs and milk."],
        )
    )
    return articles


def test_weak_labels_and_fit_on_a_synthetic_corpus(tmp_path):
    train = _synthetic(40, seed=1)
    categories, not_news = weak_labels(train)
    assert categories[0] == "sports" and not_news[-1] and not not_news[0]
    model = fit(
        NewsClassifier(n_features=2**14), train, categories, not_news, navec=None, log=lambda *_: None
    )
    model.save(tmp_path / "m.npz")
    model = NewsClassifier.load(tmp_path / "m.npz")
    # the model reads text only: strip the URLs of unseen articles and it still knows the topics
    test = _synthetic(10, seed=2)
    for a in test:
        a.url = ""
    predicted = [model.predict(a)[2] for a in test[:-1]]
    expected = list(itertools.chain.from_iterable([topic] * 10 for topic in TOPICS))
    assert np.mean([p == e for p, e in zip(predicted, expected, strict=True)]) > 0.9


def test_hold_out_trains_without_the_matching_labels_and_reports_agreement_with_them(tmp_path, capsys):
    articles = _synthetic(30, seed=3)
    labels = tmp_path / "labels.tsv"
    rows = [
        f"2019111{8 if i % 3 else 5}/00/{a.name}\ten\t{_topic_of(a)}" for i, a in enumerate(articles[:-1])
    ]
    labels.write_text("path\tlang\tlabel\n" + "\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "contest_html").mkdir()
    held = labels_matching([labels], r"^20191115/")
    assert len(held) == sum(1 for row in rows if row.startswith("20191115/")) > 0
    args = ["--data", str(tmp_path), "--hand-labels", str(labels), "--no-embeddings", "--no-holdout"]
    args += ["--prior-folds", "0", "--hold-out", r"^20191115/"]
    # without --out it would overwrite the shipped model with one trained on fewer labels
    assert train_module.main(args, read=lambda *_: list(articles)) == 2
    out = tmp_path / "m.npz"
    assert train_module.main([*args, "--out", str(out)], read=lambda *_: list(articles)) == 0
    info = NewsClassifier.load(out).info_
    assert info["articles"] == len(articles) - len(held)
    assert info["hand_labels"] == len(rows) - len(held)
    report = info["held_out"]["random"]["en"]
    assert report["category_items"] == len(held) and report["category_accuracy"] > 0.8
    assert "held-out hand-labelled" in capsys.readouterr().out


def _topic_of(article: Article) -> str:
    return next(topic for topic in TOPICS if article.name.startswith(topic))


# --- hand labels --------------------------------------------------------------------------------
# every label file in the package, in round order (hand_labels.tsv sorts before hand_labels_round2.tsv)
HAND_LABEL_FILES = tuple(sorted(path.name for path in hand_labels_path().parent.glob("hand_labels*.tsv")))


@pytest.mark.parametrize("path", [hand_labels_path(name) for name in HAND_LABEL_FILES])
def test_hand_labels_parse_and_hold_only_paths_languages_and_valid_labels(path):
    labels = read_hand_labels(path)
    assert len(labels) >= 80
    assert {label for _, label in labels.values()} <= {*CATEGORIES, NOT_NEWS_LABEL}
    assert {lang for lang, _ in labels.values()} <= {"en", "ru"}
    lines = path.read_text(encoding="utf-8").splitlines()
    # the header's totals ("# ... Totals: ru 898, en 298.") are the file's own language counts
    header = " ".join(line for line in lines if line.startswith("#"))
    totals = {lang: int(n) for lang, n in re.findall(r"\b(en|ru) (\d+)\b", header.split("Totals:", 1)[1])}
    assert totals == dict(Counter(lang for lang, _ in labels.values()))
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")][1:]
    assert len(rows) == len(labels) and all(len(row) == 3 for row in rows)  # no article text
    # never the dev slice's day (20191101): the dev figures must stay unseen
    assert all(
        row[0].startswith(("20191108/", "20191115/", "20191118/")) and row[0].endswith(".html")
        for row in rows
    )


def test_hand_label_rounds_are_other_articles():
    rounds = [set(read_hand_labels(hand_labels_path(name))) for name in HAND_LABEL_FILES]
    assert [len(r) for r in rounds[1:]] == [650, 1196, 1200, 2400, 12000, 89, 2400]
    assert sum(len(r) for r in rounds) == len(set().union(*rounds))


def test_the_shipped_model_trains_on_every_round_but_the_second():
    assert SHIPPED_HAND_LABELS == tuple(name for name in HAND_LABEL_FILES if name != "hand_labels_round2.tsv")
    assert all(hand_labels_path(name).is_file() for name in SHIPPED_HAND_LABELS)


def test_only_rounds_5_and_7_are_marked_not_random(tmp_path):
    not_random = [name for name in HAND_LABEL_FILES if not is_random_sample(hand_labels_path(name))]
    assert not_random == ["hand_labels_round5.tsv", "hand_labels_round7.tsv"]
    marked = tmp_path / "marked.tsv"
    marked.write_text(f"# some header\n\n{NOT_RANDOM_MARK}\npath\tlang\tlabel\n", encoding="utf-8")
    late = tmp_path / "late.tsv"  # the mark counts only in the header
    late.write_text(f"# header\npath\tlang\tlabel\n{NOT_RANDOM_MARK}\n", encoding="utf-8")
    assert not is_random_sample(marked)
    assert is_random_sample(late)


def test_a_non_random_label_file_trains_but_stays_out_of_the_prior_fit(tmp_path):
    random_file, picked_file = tmp_path / "random.tsv", tmp_path / "picked.tsv"
    random_file.write_text(
        "path\tlang\tlabel\nd/a.html\ten\tsports\nd/b.html\tru\tnot_news\n", encoding="utf-8"
    )
    picked_file.write_text(f"{NOT_RANDOM_MARK}\npath\tlang\tlabel\nd/c.html\ten\teconomy\n", encoding="utf-8")
    hand, not_random = load_hand_labels([random_file, picked_file])
    assert hand == {"a.html": ("en", "sports"), "b.html": ("ru", NOT_NEWS_LABEL), "c.html": ("en", "economy")}
    assert not_random == {"c.html"}
    articles = [Article(name=f"{n}.html", title=n, lang="en") for n in "abcd"]
    categories, not_news = weak_labels(articles)
    hand_mask = apply_hand_labels(articles, categories, not_news, label_weights(articles, categories), hand)
    assert list(hand_mask) == [True, True, True, False]
    assert list(random_sample_mask(articles, hand_mask, not_random)) == [True, True, False, False]


def test_hand_labels_override_weak_labels():
    articles = [
        Article(name="a.html", title="x", url="https://x.example.com/sport/1", lang="en"),
        Article(name="b.html", title="y", url="https://x.example.com/sport/2", lang="en"),
        Article(name="c.html", title="z", url="https://x.example.com/sport/3", lang="en"),
    ]
    categories, not_news = weak_labels(articles)
    weights = label_weights(articles, categories)
    assert list(categories) == ["sports"] * 3
    hand = {"a.html": ("en", "economy"), "b.html": ("en", NOT_NEWS_LABEL)}
    mask = apply_hand_labels(articles, categories, not_news, weights, hand)
    assert list(mask) == [True, True, False]
    assert list(categories) == ["economy", "", "sports"]  # not-news articles carry no category
    assert list(not_news) == [False, True, False]
    assert list(weights) == [HAND_LABEL_WEIGHT, HAND_LABEL_WEIGHT, 1.0]


# --- per-language class-prior correction ------------------------------------------------------------
def test_fit_prior_bias_recovers_a_shift_of_the_class_priors():
    rng = np.random.default_rng(0)
    true = rng.normal(size=(4000, len(CATEGORIES)))
    labels = np.array([rng.choice(len(CATEGORIES), p=np.exp(z) / np.exp(z).sum()) for z in true])
    shift = np.array([1.5, 0.0, 0.0, -0.5, 0.0, 0.0, -1.0])
    bias = fit_prior_bias(true + shift, labels, l2=0.0)  # scores that over-rate some classes
    assert np.allclose(bias, -(shift - shift.mean()), atol=0.15)
    assert abs(bias.sum()) < 1e-6


def test_prior_correction_raises_a_class_the_hand_sample_finds_more_often():
    articles = _synthetic(20, seed=1)
    categories, not_news = weak_labels(articles)
    weights = label_weights(articles, categories)
    # every 5th en article is hand-labelled "other": the random sample says "other" is common
    hand = {a.name: ("en", "other") for a in articles[:-1][::5]}
    mask = apply_hand_labels(articles, categories, not_news, weights, hand)
    data = LabelledSet(articles, categories, not_news, weights, np.where(mask, 30.0, 1.0))
    bias, report = prior_correction(data, mask, None, folds=2, log=lambda *_: None)
    en, ru = NEWS_LANGUAGES.index("en"), NEWS_LANGUAGES.index("ru")
    other = CATEGORIES.index("other")
    assert bias.shape == (len(NEWS_LANGUAGES), len(CATEGORIES))
    assert bias[en, other] == bias[en].max() > 0 and not bias[ru].any()  # no ru hand labels: no offsets
    assert (
        report["en"]["items"] == 20 and report["en"]["with_offsets"] >= report["en"]["out_of_fold_accuracy"]
    )


def test_language_offsets_apply_to_their_language_only_and_survive_save_load(tmp_path):
    ru, en = NEWS_EXAMPLES[0][1], NEWS_EXAMPLES[1][1]
    copy = NewsClassifier.load()
    assert copy.lang_bias_.shape == (len(NEWS_LANGUAGES), len(CATEGORIES))
    other = copy.classes_.index("other")
    copy.lang_bias_ = np.zeros_like(copy.lang_bias_)
    plain = copy.category_proba([ru, en])
    copy.lang_bias_[NEWS_LANGUAGES.index("ru"), other] = 3.0
    after = copy.category_proba([ru, en])
    assert after[0, other] > plain[0, other] and np.allclose(after[1], plain[1], atol=1e-6)
    copy.save(tmp_path / "m.npz")
    again = NewsClassifier.load(tmp_path / "m.npz")
    assert np.allclose(again.category_proba([ru, en]), after, atol=1e-6)


# --- navec nets -----------------------------------------------------------------------------------
def test_navec_inputs_are_unit_directions_of_title_and_of_title_with_lead(model):
    dim = navec_codes().dim
    articles = [
        article("Центробанк снизил ключевую ставку", "Решение принято на заседании совета директоров.", "ru"),
        article("2019 — 42%", "", "ru"),  # no word at all
        article("Central bank cuts rates", "The decision was taken on Friday."),  # English: no vectors
    ]
    inputs = model.net_inputs(articles)
    assert inputs.shape == (3, 2 * dim)
    assert np.allclose(np.linalg.norm(inputs[0].reshape(2, dim), axis=1), 1.0, atol=1e-5)
    assert not np.allclose(inputs[0, :dim], inputs[0, dim:])  # the lead counts
    assert not inputs[1].any() and not inputs[2].any()


def test_navec_code_sums_equal_the_sums_of_the_decoded_vectors():
    codes = navec_codes()
    ids, rows = np.array([5, 17, 5, 1000, 42]), np.array([0, 0, 0, 2, 2])
    decoded = codes.book[np.arange(codes.book.shape[0]), codes.indexes[ids]].reshape(len(ids), codes.dim)
    sums = codes.sums(ids, rows, 3)
    assert np.allclose(sums[0], decoded[:3].sum(axis=0), atol=1e-5)
    assert not sums[1].any() and np.allclose(sums[2], decoded[3:].sum(axis=0), atol=1e-5)


def test_the_shipped_navec_nets_change_russian_scores_only(model):
    ru, en = NEWS_EXAMPLES[0][1], NEWS_EXAMPLES[1][1]
    assert ru.lang == "ru" and en.lang == "en"
    assert len(model.nets_) == len(train_module.NET_SEEDS) and model.embedding_net_weight > 0
    first, last = model.nets_[0][0][0], model.nets_[0][-1][0]
    assert first.shape == (2 * navec_codes().dim, train_module.NET_LAYERS[0])
    assert last.shape == (train_module.NET_LAYERS[-1], len(CATEGORIES))
    proba = model.net_proba([ru])
    assert proba.shape == (1, len(CATEGORIES)) and np.isclose(proba.sum(), 1.0, atol=1e-4)
    without = NewsClassifier.load()
    without.embedding_net_weight = 0.0
    with_nets, plain = np.log(model.category_proba([ru, en])), np.log(without.category_proba([ru, en]))
    assert not np.allclose(with_nets[0], plain[0], atol=0.1) and np.allclose(
        with_nets[1], plain[1], atol=1e-5
    )


def test_fit_embedding_nets_learns_russian_topics_and_needs_every_category():
    topics = {
        "sports": "футбол матч команда гол тренер чемпионат",
        "economy": "банк рубль инфляция ставка бюджет экономика",
        "technology": "смартфон приложение компьютер интернет программа процессор",
        "science": "учёные исследование вирус космос физика генетика",
        "entertainment": "фильм актёр концерт певица сериал премьера",
        "society": "президент закон выборы суд полиция депутат",
        "other": "погода праздник парк собака фестиваль ярмарка",
    }
    rng = np.random.default_rng(0)
    articles, labels = [], []
    for category, vocabulary in topics.items():
        for _ in range(30):
            title = " ".join(rng.choice(vocabulary.split(), 3))
            articles.append(article(title, " ".join(rng.choice(vocabulary.split(), 12)), lang="ru"))
            labels.append(category)
    labels = np.array(labels)
    model = fit(
        NewsClassifier(n_features=2**14),
        articles,
        labels,
        np.arange(len(articles)) % 10 == 0,  # the not-news model needs both classes
        navec=train_module._Navec(),
        log=lambda *_: None,
    )
    assert len(model.form_navec_ids_) == len(model.form_keys_) > 30  # the words' navec ids are kept
    train_module.fit_embedding_nets(model, articles, labels, log=lambda *_: None)
    # unseen combinations of the topic words
    tests = [article(f"{w} и {v}", lang="ru") for w, v in [("чемпионат", "гол"), ("инфляция", "рубль")]]
    predicted = np.array(CATEGORIES)[model.net_proba(tests).argmax(axis=1)]
    assert list(predicted) == ["sports", "economy"]
    without_other = labels != "other"
    with pytest.raises(ValueError, match="all 7 categories"):
        train_module.fit_embedding_nets(
            model, [a for a, keep in zip(articles, without_other, strict=True) if keep], labels[without_other]
        )


# --- real articles ------------------------------------------------------------------------------
@pytest.mark.shared
def test_real_articles_run_through(shared_dir: Path, model):
    from newsthread.ingest import read_paths
    from newsthread.nlp.language import LanguageDetector

    folder = shared_dir / "data" / "contest_html" / "20191108"
    paths = sorted(folder.rglob("*.html"))[:400]
    assert len(paths) == 400
    result = read_paths(paths)
    LanguageDetector().annotate(result.articles)
    model.annotate(result.articles)
    en_ru = [a for a in result.articles if a.lang in ("en", "ru")]
    assert len(en_ru) > 100
    assert all(a.category in CATEGORIES and isinstance(a.is_news, bool) for a in en_ru)
    assert all(a.is_news is False and a.category == "" for a in result.articles if a.lang not in ("en", "ru"))
    news_share = np.mean([a.is_news for a in en_ru])
    assert 0.6 < news_share < 0.99  # most articles are news, some are not
    assert len({a.category for a in en_ru if a.is_news}) >= 5
