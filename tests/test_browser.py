"""The reader in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

The real app runs under uvicorn on a loopback port, loaded with the bundled sample plus the
hostile articles of test_web. Screenshots go to $NEWSTHREAD_ARTIFACTS (default
artifacts/screenshots/ in the repository).
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

if sync_playwright is None:
    pytest.skip("the playwright Python package is not installed", allow_module_level=True)
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)

from test_web import HOSTILE_TITLE, LiveServer, hostile_articles, make_app, put_articles  # noqa: E402

from newsthread.sample import sample_dir  # noqa: E402


def artifacts_dir() -> Path:
    path = Path(os.environ.get("NEWSTHREAD_ARTIFACTS") or ROOT / "artifacts" / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(make_app(tmp_path_factory.mktemp("browser") / "news.db"))
    live.start()
    sample = {path.name: path.read_bytes() for path in sorted(Path(sample_dir()).rglob("*.html"))}
    assert sample, "the bundled sample is empty"
    with httpx.Client(base_url=live.url, timeout=60) as client:
        put_articles(client, sample)
        # hostile articles inside the sample's last day, so they share its front page
        now = datetime.fromisoformat(client.get("/api/threads", params={"limit": 1}).json()["now"])
        put_articles(client, hostile_articles(now - timedelta(hours=2)))
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except PlaywrightError as error:  # pragma: no cover - depends on the machine
            pytest.skip(f"Chromium does not start: {error}")
        yield chromium
        chromium.close()


class Watch:
    """Everything a page must not do: dialogs (a script ran), console errors (e.g. CSP blocks), 4xx/5xx."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on(
            "dialog", lambda dialog: (self.problems.append(f"dialog: {dialog.message}"), dialog.dismiss())
        )
        page.on("console", lambda msg: msg.type == "error" and self.problems.append(f"console: {msg.text}"))
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("response", lambda r: r.status >= 400 and self.problems.append(f"{r.status} {r.url}"))


def new_page(browser, server, **options):
    context = browser.new_context(base_url=server.url, **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page, Watch(page)


def shot(page, name: str) -> Path:
    path = artifacts_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_read_the_news_on_a_desktop(browser, server):
    context, page, watch = new_page(browser, server, viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        page.goto("/")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("h1")).to_have_text("Top stories")
        assert page.locator(".card").count() > 0
        shot(page, "front_en_desktop")

        # switch to Russian: same category/period, Russian interface and threads
        page.click("nav.langs a[hreflang=ru]")
        expect(page).to_have_url(re.compile(r"lang=ru"))
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        expect(page.locator("h1")).to_have_text("Главное")
        shot(page, "front_ru_desktop")

        # a week of news, then one category: every card carries that category
        page.click("nav.periods a >> text=Неделя")
        expect(page.locator("nav.periods a.active")).to_have_text("Неделя")
        tab = next(
            name
            for name in ("Спорт", "Общество", "Экономика", "Технологии")
            if page.locator(f".cat >> text={name}").count()
        )
        page.click(f"nav.tabs a >> text={tab}")
        expect(page.locator("nav.tabs a.active")).to_have_text(tab)
        expect(page).to_have_url(re.compile(r"period=7d"))
        categories = page.locator(".card .cat").all_inner_texts()
        assert categories and {c.strip().lower() for c in categories} == {tab.lower()}
        shot(page, "front_ru_category")

        # open the first story
        title = page.locator(".card .title a").first.inner_text()
        page.locator(".card .title a").first.click()
        expect(page).to_have_url(re.compile(r"/story/[0-9a-f]{16}\?lang=ru"))
        expect(page.locator("h1")).to_have_text(title)
        articles = page.locator("ol.coverage > li").count()
        assert articles >= 1
        assert page.locator("ol.timeline > li").count() == (articles if articles > 1 else 0)
        for link in page.locator("ol.coverage a").all():
            assert link.get_attribute("rel") == "noopener noreferrer nofollow"
            assert link.get_attribute("href").startswith(("http://", "https://"))
        shot(page, "story_ru_desktop")

        # search from the box in the header
        page.fill("form.search input[name=q]", "Сокол")
        page.press("form.search input[name=q]", "Enter")
        expect(page).to_have_url(re.compile(r"/search\?lang=ru&q=%D0%A1"))
        expect(page.locator("ol.results > li").first).to_be_visible()
        shot(page, "search_ru_desktop")

        page.goto("/search?lang=en&q=")
        expect(page.locator(".notice")).to_contain_text("Type a few words")
        assert not watch.problems, watch.problems
    finally:
        context.close()


def test_phone_layout_and_dark_mode(browser, server):
    context, page, watch = new_page(
        browser,
        server,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="ru-RU",
        color_scheme="dark",
    )
    try:
        page.goto("/?period=7d")
        expect(page.locator("html")).to_have_attribute("lang", "ru")  # from Accept-Language
        no_overflow = "document.documentElement.scrollWidth <= window.innerWidth + 1"
        assert page.evaluate(no_overflow)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background != "rgb(243, 244, 246)"  # the dark palette is in use
        shot(page, "front_ru_phone_dark")
        page.locator(".card .title a").first.click()
        expect(page.locator("h1")).to_be_visible()
        assert page.evaluate(no_overflow)
        shot(page, "story_ru_phone_dark")
        assert not watch.problems, watch.problems
    finally:
        context.close()


def test_hostile_article_stays_inert_in_the_browser(browser, server):
    context, page, watch = new_page(browser, server, viewport={"width": 1280, "height": 900})
    try:
        thread_id = httpx.get(f"{server.url}/api/articles/hostile-1.html").json()["thread_id"]
        assert thread_id
        page.goto(f"/story/{thread_id}?lang=en")
        assert page.evaluate("document.querySelectorAll('script, iframe, img').length") == 0
        body = page.locator("body").inner_text()
        assert 'alert("xss-title")' in body and HOSTILE_TITLE.split(" erupts")[0] in body
        assert page.locator("a[href^='javascript']").count() == 0
        shot(page, "story_hostile")
        page.goto("/search?lang=en&q=xss-title")
        assert page.evaluate("document.querySelectorAll('script, iframe, img').length") == 0
        assert not watch.problems, watch.problems  # no alert() ran, no CSP violation was reported
    finally:
        context.close()
