"""The chat widget and the pages in a real Chromium, against the real app on a loopback port.

The app (real encoder, sample index) runs once per module in a uvicorn thread; Playwright's
sync API drives /usr/bin/chromium. The screenshot goes to the test's temporary folder, so a
test run never changes a tracked file; `pytest --update-screenshot` also writes docs/widget.png,
the README's screenshot.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from retriever.encoder import Encoder
from service.config import Settings
from tests.service.live import serve_in_thread

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "widget.png"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)",
)

if CHROMIUM.exists():
    from playwright.sync_api import (
        Browser,
        ConsoleMessage,
        Locator,
        Page,
        Route,
        expect,
        sync_playwright,
    )

RANK_QUESTION = "Bình Phước xếp hạng chuyển đổi số thứ mấy?"
FOLLOW_UP = "Còn kinh tế số thì sao?"
UNKNOWN_PROVINCE = "Hà Nội xếp hạng thứ mấy?"
TIMEOUT_MS = 15_000
ADMIN_KEY = "browser-test-admin-key-0123456789"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}
# ReDoc's sidebar shows its maker's logo from their CDN; the documentation's policy blocks it
# (no other origin, for air-gapped servers) and ReDoc then leaves the logo out. Nothing else
# on any page may be blocked.
EXPECTED_REFUSAL = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@dataclass
class LiveServer:
    url: str


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[LiveServer]:
    settings = Settings(index_dir=tmp_path_factory.mktemp("browser") / "index",
                        model_cache_dir=Settings().model_cache_dir, admin_api_key=ADMIN_KEY,
                        rate_limit_per_minute=0)
    with serve_in_thread(settings, encoder, "hoidap-browser-test") as url:
        yield LiveServer(url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _new_page(browser: Browser, viewport: dict[str, int]) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def refused(message: ConsoleMessage) -> None:
        # Chromium reports what the Content-Security-Policy blocked on the console.
        if "Content Security Policy" in message.text and EXPECTED_REFUSAL not in message.text:
            errors.append(message.text)

    page.on("console", refused)
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"JavaScript errors or CSP violations on the page: {errors}"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    yield from _new_page(browser, DESKTOP)


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    yield from _new_page(browser, PHONE)


# ---- helpers: the widget lives in an open shadow root, which Playwright's CSS pierces ----


def open_widget(page: Page, server: LiveServer) -> None:
    page.goto(server.url + "/")
    bubble = page.locator(".hoidap-bubble")
    expect(bubble).to_have_attribute("aria-expanded", "false")
    bubble.click()
    expect(page.locator(".hoidap-panel")).to_be_visible()
    expect(page.locator(".hoidap-input")).to_be_focused()


def ask(page: Page, question: str) -> Locator:
    """Types `question`, sends it with Enter; returns the finished answer message."""
    answers = page.locator(".hoidap-msg-assistant")
    before = answers.count()
    page.locator(".hoidap-input").fill(question)
    page.locator(".hoidap-input").press("Enter")
    answer = answers.nth(before)
    expect(answer).to_have_attribute("data-state", "done")
    expect(page.locator(".hoidap-send")).to_be_enabled()
    return answer


def test_widget_answers_cites_and_follows_up(page: Page, live_server: LiveServer, tmp_path: Path,
                                             request: pytest.FixtureRequest) -> None:
    open_widget(page, live_server)
    panel = page.locator(".hoidap-panel")
    expect(panel).to_have_attribute("role", "dialog")
    expect(panel).to_have_attribute("aria-label", "Hỏi đáp chuyển đổi số")
    expect(page.locator(".hoidap-messages")).to_have_attribute("aria-live", "polite")

    answer = ask(page, RANK_QUESTION)
    expect(answer.locator(".hoidap-answer")).to_contain_text("thứ 9")
    expect(answer).not_to_have_attribute("data-abstained", "true")
    cite = answer.locator(".hoidap-answer button.hoidap-cite", has_text="[1]")
    expect(cite).to_have_count(1)
    expect(answer.locator(".hoidap-sources")).to_contain_text("Nguồn")
    expect(answer.locator(".hoidap-sources")).to_contain_text("Bình Phước")

    cite.click()
    viewer = page.locator(".hoidap-source")
    expect(viewer).to_be_visible()
    expect(viewer).to_have_attribute("role", "dialog")
    mark = viewer.locator("mark", has_text="thứ 9")
    expect(mark).to_have_count(1)
    expect(mark).to_be_in_viewport()
    expect(cite).to_be_in_viewport()  # on a wide screen the source opens beside the answer
    link = viewer.locator("a", has_text="Mở toàn bài")
    expect(link).to_have_attribute("href", re.compile(r"/documents/binh-phuoc#\d+-\d+$"))
    expect(page.locator(".hoidap-source-close")).to_be_focused()

    shot = tmp_path / "widget.png"
    page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if request.config.getoption("--update-screenshot"):
        DOCS_SCREENSHOT.write_bytes(shot.read_bytes())

    page.keyboard.press("Escape")  # closes the source, back to the conversation
    expect(viewer).to_be_hidden()
    expect(panel).to_be_visible()
    expect(cite).to_be_focused()

    # A source in the list opens the same viewer.
    answer.locator(".hoidap-sources .hoidap-source-link").first.click()
    expect(viewer.locator("mark", has_text="thứ 9")).to_be_in_viewport()
    page.locator(".hoidap-source-close").click()
    expect(viewer).to_be_hidden()

    follow_up = ask(page, FOLLOW_UP)
    expect(follow_up.locator(".hoidap-answer")).to_contain_text("14/63")

    with page.expect_request("**/api/chat/stream") as sent:
        abstention = ask(page, UNKNOWN_PROVINCE)
    history = sent.value.post_data_json["history"]
    assert [turn["role"] for turn in history] == ["user", "assistant"] * 2
    assert history[0]["content"] == RANK_QUESTION and "14/63" in history[3]["content"]
    expect(abstention).to_have_attribute("data-abstained", "true")
    expect(abstention).to_have_class(re.compile(r"\bhoidap-msg-abstained\b"))
    expect(abstention).to_contain_text("Hà Nội")
    expect(abstention).not_to_contain_text("thứ 9")
    expect(abstention.locator("button.hoidap-cite")).to_have_count(0)
    expect(page.locator(".hoidap-msg-error")).to_have_count(0)
    expect(page.locator(".hoidap-msg-user")).to_have_text([RANK_QUESTION, FOLLOW_UP,
                                                           UNKNOWN_PROVINCE])


def test_phone_sized_widget_fills_the_screen(phone_page: Page, live_server: LiveServer) -> None:
    page = phone_page
    open_widget(page, live_server)
    box = page.locator(".hoidap-panel").bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"] + 0.5
    assert box["y"] + box["height"] <= PHONE["height"] + 0.5
    assert box["width"] >= PHONE["width"] - 1 and box["height"] >= PHONE["height"] - 1
    send = page.locator(".hoidap-send")
    send_box = send.bounding_box()
    assert send_box is not None
    assert send_box["x"] + send_box["width"] <= PHONE["width"]
    assert send_box["y"] + send_box["height"] <= PHONE["height"]

    page.locator(".hoidap-input").fill(RANK_QUESTION)
    send.click()
    answer = page.locator(".hoidap-msg-assistant").first
    expect(answer).to_have_attribute("data-state", "done")
    expect(answer).to_contain_text("thứ 9")
    answer.locator("button.hoidap-cite").first.click()
    expect(page.locator(".hoidap-source mark").first).to_be_in_viewport()
    page.locator(".hoidap-close").click()
    expect(page.locator(".hoidap-panel")).to_be_hidden()
    expect(page.locator(".hoidap-bubble")).to_be_focused()


def test_example_question_on_the_demo_page(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    expect(page.locator("#documents li")).to_have_count(5)
    example = page.locator("button.example", has_text=RANK_QUESTION)
    example.click()
    expect(page.locator(".hoidap-panel")).to_be_visible()
    expect(page.locator(".hoidap-msg-user")).to_have_text([RANK_QUESTION])
    answer = page.locator(".hoidap-msg-assistant").first
    expect(answer).to_have_attribute("data-state", "done")
    expect(answer).to_contain_text("thứ 9")


def test_keyboard_only(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    bubble = page.locator(".hoidap-bubble")
    bubble.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".hoidap-panel")).to_be_visible()
    expect(bubble).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".hoidap-input")).to_be_focused()
    page.keyboard.type(RANK_QUESTION)
    page.keyboard.press("Enter")
    answer = page.locator(".hoidap-msg-assistant").first
    expect(answer).to_have_attribute("data-state", "done")
    expect(answer).to_contain_text("thứ 9")
    expect(page.locator(".hoidap-input")).to_be_focused()
    expect(page.locator(".hoidap-input")).to_have_value("")
    page.keyboard.press("Escape")
    expect(page.locator(".hoidap-panel")).to_be_hidden()
    expect(bubble).to_be_focused()
    expect(bubble).to_have_attribute("aria-expanded", "false")


HOSTILE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<style>
  * { color: red !important; font-size: 40px !important; background: black !important; }
  button { display: none !important; }
  div, section, body > * { position: static !important; width: 10px !important; }
  body > * { display: none !important; opacity: 0 !important; }
  h1 { display: block !important; }
</style></head>
<body><h1>Some other site</h1>
<script src="/widget.js" data-api-base="{base}/" data-title="Trợ lý tỉnh" data-open="true"></script>
<script src="/widget.js"></script>
</body></html>"""


def test_widget_embeds_in_any_page(page: Page, live_server: LiveServer) -> None:
    # A page of another site (served here so the API is same-origin) with CSS that would
    # wreck the widget if it leaked in; the script is included twice by mistake.
    page.route("**/host-page.html", lambda route: route.fulfill(
        content_type="text/html", body=HOSTILE_PAGE.replace("{base}", live_server.url)))
    page.goto(live_server.url + "/host-page.html")
    expect(page.locator("[data-hoidap-widget]")).to_have_count(1)
    assert page.evaluate("() => window.hoidapWidget.apiBase") == live_server.url
    panel = page.locator(".hoidap-panel")
    expect(panel).to_be_visible()  # data-open="true"
    expect(panel).to_have_attribute("aria-label", "Trợ lý tỉnh")
    expect(page.locator(".hoidap-header h2")).to_have_css("font-size", "16px")
    expect(page.locator(".hoidap-send")).to_be_visible()
    expect(page.locator(".hoidap-send")).to_have_css("background-color", "rgb(11, 92, 173)")
    box = panel.bounding_box()
    assert box is not None and box["width"] == 400
    answer = ask(page, RANK_QUESTION)
    expect(answer).to_contain_text("thứ 9")
    page.locator(".hoidap-close").click()
    expect(panel).to_be_hidden()
    expect(page.locator(".hoidap-bubble")).to_be_visible()


def test_question_text_is_never_html(page: Page, live_server: LiveServer) -> None:
    payload = '<img src=x onerror="window.__xss=1"> Bình Phước <b>xếp hạng</b> thứ mấy?'
    open_widget(page, live_server)
    ask(page, payload)
    expect(page.locator(".hoidap-msg-user").first).to_have_text(payload)
    assert page.locator(".hoidap-msg img, .hoidap-msg b").count() == 0
    assert page.evaluate("() => window.__xss") is None


def test_widget_shows_api_errors(page: Page, live_server: LiveServer) -> None:
    open_widget(page, live_server)
    page.route("**/api/chat/stream", lambda route: route.fulfill(
        status=503, content_type="application/json", body='{"detail": "index is loading"}'))
    page.locator(".hoidap-input").fill(RANK_QUESTION)
    page.locator(".hoidap-input").press("Enter")
    error = page.locator(".hoidap-msg-error")
    expect(error).to_contain_text("đang khởi động")
    expect(error).to_contain_text("index is loading")
    expect(page.locator(".hoidap-send")).to_be_enabled()
    page.route("**/api/chat/stream", lambda route: route.abort())
    page.locator(".hoidap-input").fill(RANK_QUESTION)
    page.locator(".hoidap-input").press("Enter")
    expect(error).to_have_count(2)
    expect(error.nth(1)).to_contain_text("Không kết nối được")


def test_search_page_filters_highlights_and_links(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/search")
    expect(page.locator("#province")).to_have_attribute("data-loaded", "true")
    expect(page.locator("#province option")).to_have_count(6)  # "Tất cả" and 5 provinces
    page.locator("#q").fill("dịch vụ công trực tuyến")
    page.locator("#province").select_option("Bình Phước")
    page.locator("#q").press("Enter")
    results = page.locator("#results .result")
    expect(results.first).to_be_visible()
    assert results.count() >= 3
    provinces = results.locator(".province").all_text_contents()
    assert set(provinces) == {"Bình Phước"}
    marks = page.locator("#results .passage mark").all_text_contents()
    assert any("dịch vụ công trực tuyến" in m.lower() for m in marks), marks
    assert "province=" in page.url

    first = results.first
    passage = first.locator(".passage").text_content()
    assert passage
    first.locator("a.passage-link").click()
    expect(page).to_have_url(re.compile(r"/documents/binh-phuoc#\d+-\d+$"))
    expect(page.locator("#title")).to_contain_text("Bình Phước")
    highlighted = page.locator("#text mark")
    expect(highlighted.first).to_be_in_viewport()
    assert "\n".join(highlighted.all_text_contents()) == passage


def test_search_page_says_when_nothing_matches(page: Page, live_server: LiveServer) -> None:
    query = urllib.parse.urlencode({"q": "chuyển đổi số", "from": "2030-01-01"})
    page.goto(f"{live_server.url}/search?{query}")
    expect(page.locator("#status")).to_contain_text("Không tìm thấy")
    expect(page.locator("#results .result")).to_have_count(0)


def test_api_documentation_works_offline(page: Page, live_server: LiveServer) -> None:
    # As on an air-gapped server: anything asked of another origin fails, and is noted.
    elsewhere: list[str] = []

    def refuse(route: Route) -> None:
        elsewhere.append(route.request.url)
        route.abort()

    page.route(lambda url: not url.startswith(live_server.url + "/"), refuse)
    page.goto(live_server.url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("hoidap")
    expect(page.locator(".opblock-summary-path", has_text="/api/chat").first).to_be_visible()
    page.goto(live_server.url + "/redoc")
    expect(page.locator("h1").first).to_contain_text("hoidap")
    expect(page.get_by_text("/api/chat").first).to_be_attached()
    assert not elsewhere, elsewhere


def test_document_page_unknown_id(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/documents/khong-co-bai-nay")
    expect(page.locator("#status")).to_contain_text("Không tìm thấy bài viết")
    expect(page.locator("#article")).to_be_hidden()


# A document whose text and title carry markup, as a hostile or careless upload would.
XSS_DOCUMENT = {
    "doc_id": "soc-trang-xss",
    "title": 'Sóc Trăng <img src=x onerror="window.__xss=1"> chuyển đổi số',
    "province": "Sóc Trăng",
    "text": "Sóc Trăng đẩy mạnh chuyển đổi số.\n"
            "Năm 2024, tỉnh Sóc Trăng đã lắp đặt 57 trạm phát sóng 5G "
            "<script>window.__xss=2</script> tại các huyện.\n"
            'Người dân <img src=x onerror="window.__xss=3"> đánh giá cao mạng 5G mới.',
}
XSS_QUESTION = "Sóc Trăng đã lắp đặt bao nhiêu trạm phát sóng 5G?"
NO_MARKUP = "img, script, iframe, object, [onerror]"


@pytest.fixture
def xss_document(live_server: LiveServer) -> Iterator[None]:
    """Uploads XSS_DOCUMENT through the admin API for one test, then removes it."""
    auth = {"Authorization": f"Bearer {ADMIN_KEY}"}
    line = json.dumps(XSS_DOCUMENT, ensure_ascii=False).encode()
    added = httpx.post(f"{live_server.url}/api/admin/documents", headers=auth, timeout=60,
                       files=[("files", ("xss.jsonl", line, "application/jsonl"))])
    assert added.status_code == 200 and added.json()["added"] == ["soc-trang-xss"], added.text
    try:
        yield
    finally:
        removed = httpx.delete(f"{live_server.url}/api/admin/documents/soc-trang-xss",
                               headers=auth, timeout=60)
        assert removed.status_code == 200


def _nothing_ran(page: Page) -> None:
    page.wait_for_timeout(300)  # a failed <img> would fire onerror by now
    assert page.evaluate("() => window.__xss") is None


def test_markup_in_documents_is_shown_as_text_everywhere(
    page: Page, live_server: LiveServer, xss_document: None,
) -> None:
    # The widget on another site's page, which has no CSP of ours to fall back on.
    page.route("**/host-page.html", lambda route: route.fulfill(
        content_type="text/html",
        body=f'<!doctype html><h1>Trang khác</h1><script src="{live_server.url}/widget.js" '
             'data-open="true"></script>'))
    page.goto(live_server.url + "/host-page.html")
    answer = ask(page, XSS_QUESTION)
    expect(answer.locator(".hoidap-answer")).to_contain_text("57")
    expect(answer.locator(".hoidap-sources")).to_contain_text("<img src=x onerror=")
    answer.locator("button.hoidap-cite").first.click()
    viewer = page.locator(".hoidap-source")
    expect(viewer).to_contain_text("<script>window.__xss=2</script>")
    assert page.locator(f".hoidap-root :is({NO_MARKUP})").count() == 0
    _nothing_ran(page)

    page.goto(live_server.url + "/documents/soc-trang-xss")
    expect(page.locator("#title")).to_have_text(XSS_DOCUMENT["title"])
    expect(page.locator("#text")).to_contain_text('<img src=x onerror="window.__xss=3">')
    assert page.locator(f"#article :is({NO_MARKUP})").count() == 0
    _nothing_ran(page)

    page.goto(live_server.url + "/search?q=" + urllib.parse.quote("trạm phát sóng 5G"))
    expect(page.locator("#results .result").first).to_contain_text("<script>")
    assert page.locator(f"#results :is({NO_MARKUP})").count() == 0
    _nothing_ran(page)

    page.goto(live_server.url + "/")
    expect(page.locator("#documents")).to_contain_text("<img src=x onerror=")
    assert page.locator(f"#documents :is({NO_MARKUP})").count() == 0
    _nothing_ran(page)
