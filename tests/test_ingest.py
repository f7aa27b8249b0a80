"""Readers: every format on fixtures written for these tests, bad input, hostile names."""

from __future__ import annotations

import os
import pickle
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsthread.ingest import (
    MAX_FILE_BYTES,
    ReadError,
    decode,
    iter_input_files,
    read_bytes,
    read_paths,
    read_text,
    safe_name,
)
from newsthread.ingest.names import MAX_NAME_BYTES

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def read_fixture(name: str):
    (article,) = read_bytes(name, (FIXTURES / name).read_bytes())
    return article


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- contest HTML --------------------------------------------------------------------------------


def test_contest_html_fields():
    article = read_fixture("contest.html")
    assert article.source_format == "contest_html"
    assert article.title == 'Мэрия открыла новый мост через "Тихую" реку'  # &quot; decoded
    assert article.url == "https://www.example-news.ru/2019/11/18/bridge/"
    assert article.site == "Пример.ру"
    assert article.description == "Мост строили два года, он обошёлся в 1,2 млрд рублей – меньше сметы."
    assert article.author == "Мария Иванова"
    assert article.published == utc(2019, 11, 18, 10, 5)
    assert article.paragraphs == [
        "В понедельник мэр города открыл движение по новому мосту через реку Тихую. Первыми по нему проехали автобусы.",
        "Подробности — в нашем канале и на сайте.",
        "Мы закончили на три месяца раньше срока, — сказал главный инженер.",
        "длина моста — 420 метров;",
        "шесть полос движения.",
        "Что дальше",
        "Следующим летом рядом построят велодорожку.",
    ]
    assert article.out_links == ["https://t.me/example_news/245"]  # relative links are not out-links
    assert "Мост в день открытия" not in article.text  # captions are not story text


def test_contest_html_without_article_meta_or_closing_tags():
    article = read_fixture("contest_broken.html")
    assert article.source_format == "contest_html"
    assert article.title == 'Storm closes "Old Harbour" ferry line'  # from <h1>: no og:title
    assert article.url == ""
    assert article.site == "Broken Wire"
    assert article.published == utc(2019, 11, 1, 0, 32)
    # nested, unclosed <p> are neither lost nor doubled; <br> separates words
    assert article.paragraphs == [
        "The ferry line was closed on Friday morning.",
        "Waves of six metres were reported near the pier.",
        "Ferries will run again when the wind drops.",
        "Passengers can use the coastal bus instead, the operator said.",
        "Tickets bought for Friday remain valid for the next week",
    ]


def test_contest_html_with_no_text_at_all_is_an_error():
    html = '<html><head><meta property="og:site_name" content="X"/></head><body><article></article></body></html>'
    with pytest.raises(ReadError, match="no title and no text"):
        read_text("empty-article.html", html)


# --- Markdown, transcript, JSON Lines, web page --------------------------------------------------


def test_markdown_layout():
    article = read_fixture("article.md")
    assert article.source_format == "markdown"
    assert article.title == "Городской парк закроют на реконструкцию до весны"
    assert article.published == utc(2023, 10, 2, 8, 15)
    assert article.author == ""  # "Author: ****"
    assert article.site == "Вечерний город"
    assert article.url == "https://vecherny-gorod.example/news/park-reconstruction/"
    assert article.description == "Работы начнутся в понедельник и продлятся пять месяцев."
    assert article.paragraphs == [
        "Центральный парк закроют для посетителей со следующего понедельника: подрядчик начнёт замену "
        "дорожек, освещения и детских площадок.",
        "По словам заместителя мэра, в парке появятся новые скамейки и пункт проката велосипедов.",
        "«Мы сохраним все старые деревья», — пообещала директор парка.",
        "Жителям советуют гулять в сквере у вокзала, который остаётся открытым.",
    ]  # photo credit, repeated date line and "* * *" dropped; Markdown syntax stripped
    assert article.out_links == ["https://vecherny-gorod.example/rent/"]
    assert article.extra["captions"] == ["Вход в парк со стороны набережной"]


def test_markdown_front_matter():
    text = (
        "---\ntitle: Snow closes mountain pass\ndate: 2024-01-09T06:00:00Z\nauthor: Ana Silva\n"
        "url: https://alps.example/pass\n---\n\nThe pass was closed overnight.\n\nIt reopens on Friday.\n"
    )
    (article,) = read_text("pass.md", text)
    assert (article.title, article.author, article.url) == (
        "Snow closes mountain pass",
        "Ana Silva",
        "https://alps.example/pass",
    )
    assert article.published == utc(2024, 1, 9, 6)
    assert article.paragraphs == ["The pass was closed overnight.", "It reopens on Friday."]


def test_transcript_layout():
    article = read_fixture("transcript.txt")
    assert article.source_format == "transcript"
    assert article.title == "Встреча губернатора с жителями Приморского района"
    assert article.published == utc(2023, 3, 14, 15, 30)  # naive time taken as UTC
    assert article.extra["place"] == "Санкт-Петербург"
    assert article.url == "https://www.gov-example.ru/events/meetings/2023/03/14/"
    assert article.site == "gov-example.ru"
    assert article.paragraphs[0].startswith("Губернатор ответил на вопросы жителей")
    assert article.paragraphs[-1] == "Губернатор: Всем спасибо за вопросы."
    assert "Губернатор: Работы начнутся летом и закончатся к первому сентября." in article.paragraphs
    assert not any(p in ("* * *", "<…>") or "http" in p for p in article.paragraphs)


def test_jsonl_keeps_good_lines_and_reports_bad_ones():
    result = read_paths([FIXTURES / "articles.jsonl"])
    names = [a.name for a in result.articles]
    assert names == ["council-vote.html", "articles-2.html", "passwd"]  # hostile name made bare
    first, second, third = result.articles
    assert first.published == utc(2024, 5, 2, 10)
    assert first.paragraphs == [
        "The city council voted 31 to 9 to extend the tram line to the airport.",
        "Construction is expected to start next spring.",
    ]
    assert second.published == utc(2024, 5, 2, 10)  # Unix seconds
    assert second.paragraphs == [
        "The central library reopened on Monday.",
        "Volunteers helped move 40,000 books back to the shelves.",
    ]
    assert third.description.startswith("More than 80,000 people") and third.paragraphs == []
    assert {a.source_format for a in result.articles} == {"jsonl"}
    assert [(e.name, e.line) for e in result.errors] == [
        ("articles.jsonl", 3),
        ("articles.jsonl", 4),
        ("articles.jsonl", 6),
    ]
    assert "not valid JSON" in result.errors[0].reason
    assert "title" in result.errors[1].reason
    assert str(result.errors[2]) == "articles.jsonl line 6: expected a JSON object, got list"
    assert result.failed_files == 0


def test_json_object_or_array_file():
    (one,) = read_text("one.json", '{\n  "title": "A",\n  "text": "Body of A."\n}\n')
    assert (one.name, one.title, one.paragraphs) == ("one-1.html", "A", ["Body of A."])
    many = read_text("many.json", '[{"title": "A", "text": "a"}, {"title": "B", "text": "b"}]')
    assert [a.name for a in many] == ["many-1.html", "many-2.html"]


def test_json_file_without_any_article_is_an_error():
    with pytest.raises(ReadError, match="no readable article: line 1: field 'title' must be a string"):
        read_text("bad.jsonl", '{"title": ["not", "a", "string"], "text": "x"}\n{"oops": 1}\n')


def test_web_page_main_text_without_boilerplate():
    article = read_fixture("webpage_nav.html")
    assert article.source_format == "webpage"
    assert article.title == "Harbour bridge reopens after eight months of repairs"
    assert article.url == "https://www.riverside-daily.example/city/harbour-bridge-reopens"
    assert article.site == "Riverside Daily"
    assert article.author == "Maria Lindqvist"
    assert article.published == utc(2024, 3, 5, 8, 30)  # the full time from the meta tag, in UTC
    assert article.host == "riverside-daily.example"
    text = article.text
    assert "cracks were found in two of its steel supports" in text
    assert "The remaining money will go to the ferry terminal." in text
    for boilerplate in (
        "Subscribe now",
        "mattresses",
        "Most read",
        "cookie",
        "All rights reserved",
        "Privacy",
    ):
        assert boilerplate not in text
    assert article.paragraphs[0] != article.title


def test_web_page_without_article_text_is_an_error():
    html = (
        "<!doctype html><html><head><title>Log in</title><script>var x=1;</script></head><body>"
        "<nav><a href='/'>Home</a></nav><div><form><input name='user'><button>Log in</button></form></div>"
        "</body></html>"
    )
    with pytest.raises(ReadError, match="no article text"):
        read_text("login.html", html)


def test_format_is_chosen_by_content_not_extension():
    markdown = (FIXTURES / "article.md").read_bytes()
    contest = (FIXTURES / "contest.html").read_bytes()
    assert read_bytes("looks-like.html", markdown)[0].source_format == "markdown"
    assert read_bytes("looks-like.txt", contest)[0].source_format == "contest_html"
    assert read_bytes("looks-like.md", (FIXTURES / "articles.jsonl").read_bytes())[0].source_format == "jsonl"


# --- bad input -----------------------------------------------------------------------------------

CP1251_PAGE = (
    '<html><head><meta charset="windows-1251"><meta property="og:title" content="Новости дня"></head>'
    "<body><article><h1>Новости дня</h1><p>Текст статьи в кодировке Windows-1251.</p></article></body></html>"
)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\t\r\n ", "empty file"),
        (b"\xef\xbb\xbf  \n", "empty file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "a PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
        (b"\x1f\x8b\x08\x00" + bytes(100), "a gzip archive"),
        (b"<html>\x00\x00\x00\x01\x02</html>", "NUL bytes"),
        (bytes(range(1, 9)) * 200, "control characters"),
        ("<p>Новости дня без объявленной кодировки</p>".encode("cp1251"), "no charset declared"),
        (CP1251_PAGE.replace("windows-1251", "klingon-8").encode("cp1251"), "'klingon-8' is unknown"),
        (b"x" * (MAX_FILE_BYTES + 1), "file is too large"),
        (b"id,title,views\n1,First,10\n2,Second,20\n", "not an article in a known layout"),
        (b"def main():\n    return 42\n", "not an article in a known layout"),
        (b'<?xml version="1.0"?><rss><channel><title>Feed</title></channel></rss>', "not an HTML page"),
        (b"Just one line of text.", "not an article in a known layout"),
    ],
)
def test_bad_input_raises_a_clear_read_error(data: bytes, reason: str):
    with pytest.raises(ReadError) as caught:
        read_bytes("input.bin", data)
    assert reason in caught.value.reason
    assert caught.value.name == "input.bin"
    assert str(caught.value).startswith("input.bin: ")


def test_declared_charset_is_used_when_the_bytes_are_not_utf8():
    (article,) = read_bytes("cp1251.html", CP1251_PAGE.encode("cp1251"))
    assert article.title == "Новости дня"
    assert article.paragraphs == ["Текст статьи в кодировке Windows-1251."]


def test_utf16_with_bom_and_utf8_with_bom():
    html = (FIXTURES / "contest.html").read_text(encoding="utf-8")
    assert decode("a.html", html.encode("utf-16")) == html
    assert read_bytes("b.html", b"\xef\xbb\xbf" + html.encode())[0].title.startswith("Мэрия")


def test_read_paths_goes_on_past_bad_files(tmp_path: Path):
    (tmp_path / "good.html").write_bytes((FIXTURES / "contest.html").read_bytes())
    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (tmp_path / "huge.jsonl").write_bytes(b" " * 10)
    os.truncate(tmp_path / "huge.jsonl", 300 * 1024 * 1024)  # sparse: not read, refused by its size
    os.mkfifo(tmp_path / "pipe.html")  # reading a FIFO would block forever
    (tmp_path / ".hidden.html").write_bytes(b"")
    paths = list(iter_input_files(tmp_path))
    assert [p.name for p in paths] == ["empty.html", "good.html", "huge.jsonl", "image.png", "pipe.html"]
    result = read_paths([*paths, tmp_path / "missing.html"])
    assert [a.name for a in result.articles] == ["good.html"]
    reasons = {e.name: e.reason for e in result.errors}
    assert reasons["empty.html"] == "empty file"
    assert reasons["image.png"].startswith("binary file")
    assert reasons["huge.jsonl"].startswith("file is too large")
    assert reasons["pipe.html"] == "not a regular file"
    assert reasons["missing.html"].startswith("cannot read file")
    assert result.failed_files == 5


def test_iter_input_files_sorted_and_safe_with_symlink_loops(tmp_path: Path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "b" / "2.html").write_text("x")
    (tmp_path / "a" / "1.html").write_text("x")
    (tmp_path / ".git" / "config").write_text("x")
    (tmp_path / "a" / "loop").symlink_to(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in iter_input_files(tmp_path)] == [
        "a/1.html",
        "b/2.html",
    ]
    assert list(iter_input_files(tmp_path / "a" / "1.html")) == [tmp_path / "a" / "1.html"]


def test_read_error_survives_pickling():
    error = ReadError("feed.jsonl", "not valid JSON", line=7)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.name, copy.reason, copy.line, str(copy)) == (
        "feed.jsonl",
        "not valid JSON",
        7,
        "feed.jsonl line 7: not valid JSON",
    )


# --- hostile names -------------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../../etc/passwd",
    "..\\..\\windows\\system32\\config",
    "a/b/c.html",
    "..",
    ".",
    "",
    "/",
    "x" * 5000 + ".html",
    "я" * 300 + ".html",
    "evil\x1b[31mred.html",
    "new\nline\r.html",
    "\u202etxt.exe",
    "zero\u200bwidth.html",
    "bad\udcffbyte.html",
    "nul\x00byte.html",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_stay_bare_short_and_printable(name: str):
    safe = safe_name(name)
    assert safe and safe not in (".", "..")
    assert "/" not in safe and "\\" not in safe
    assert safe.isprintable()
    assert len(safe.encode("utf-8")) <= MAX_NAME_BYTES
    assert safe_name(name) == safe  # stable: the same input gives the same key
    (article,) = read_bytes(name, (FIXTURES / "contest.html").read_bytes())
    assert article.name == safe
    with pytest.raises(ReadError) as caught:
        read_bytes(name, b"")
    assert str(caught.value).isprintable()


def test_ordinary_names_are_kept():
    for name in ("4579916467548679427.html", "Новости дня.md", "feed 2024-05.jsonl", ".htaccess"):
        assert safe_name(name) == name
    assert safe_name("x" * 5000 + ".html").endswith(".html")
    assert safe_name("x" * 5000 + ".html") != safe_name("x" * 4999 + ".html")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_name_is_made_safe(name: str):
    safe = safe_name(name)
    assert safe and "/" not in safe and "\\" not in safe and safe.isprintable()
    assert len(safe.encode("utf-8")) <= MAX_NAME_BYTES


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=2000),
        st.text(max_size=2000).map(str.encode),
        st.builds(
            lambda head, body: (head + body).encode(),
            st.sampled_from(["<html><body><article>", "# ", "{", "[", "Title\n2020-01-01 10:00\n", "---\n"]),
            st.text(max_size=1000),
        ),
    )
)
def test_any_bytes_give_articles_or_a_read_error(data: bytes):
    try:
        articles = read_bytes("fuzz.html", data)
    except ReadError as error:
        assert error.reason
        return
    assert articles and all(a.title or a.paragraphs or a.description for a in articles)


# --- the real shared data ------------------------------------------------------------------------


@pytest.mark.shared
def test_shared_seeds_and_contest_slice(shared_dir: Path):
    """The five seeds (4 Markdown, 1 transcript) and 300 real contest files (conftest skips without them)."""
    from newsthread.nlp.language import LanguageDetector

    seeds = sorted((shared_dir / "seeds").iterdir())
    result = read_paths(seeds)
    assert result.errors == []
    got = {a.name[:3]: a for a in result.articles}
    assert sorted(got) == ["000", "001", "002", "003", "004"]
    expected = {
        "000": (
            "Россия и Казахстан в Омске утвердили",
            utc(2019, 11, 7, 21, 40),
            "https://bk55.ru/news/article/159722/",
        ),
        "001": (
            "Астраханский губернатор принял участие",
            utc(2019, 11, 7, 17, 0, 22),
            "https://arbuztoday.ru/",
        ),
        "002": (
            "Токаев и Путин провели переговоры в Омске",
            utc(2019, 11, 7, 15, 15),
            "https://tengrinews.kz/",
        ),
        "003": (
            "Владимир Путин: российские капиталовложения",
            utc(2019, 11, 7),
            "https://omskzdes.ru/politics/66138.html",
        ),
        "004": (
            "Форум межрегионального сотрудничества России и Казахстана",
            utc(2019, 11, 7, 17, 40),
            "http://kremlin.ru/events/president/news/copy/61997",
        ),
    }
    for key, (title, published, url) in expected.items():
        article = got[key]
        assert article.title.startswith(title), key
        assert article.published == published, key
        assert article.url.startswith(url), key
        assert len(article.paragraphs) >= 3, key
    assert got["002"].site == "Tengrinews.kz"
    assert got["003"].author == "Анна Бамбульская"
    assert got["004"].site == "kremlin.ru" and got["004"].source_format == "transcript"
    assert {got[k].source_format for k in ("000", "001", "002", "003")} == {"markdown"}
    LanguageDetector().annotate(result.articles)
    assert [a.lang for a in result.articles] == ["ru"] * 5

    hour = shared_dir / "data" / "contest_html" / "20191101" / "06"
    paths = sorted(hour.iterdir())[:300]
    contest = read_paths(paths)
    assert contest.errors == []
    assert len(contest.articles) == 300
    assert all(
        a.source_format == "contest_html" and a.title and a.url and a.published for a in contest.articles
    )
