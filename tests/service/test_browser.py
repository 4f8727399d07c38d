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
TALL_PHONE = {"width": 390, "height": 844}
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


def _new_page(browser: Browser, viewport: dict[str, int], locale: str = "vi-VN") -> Iterator[Page]:
    context = browser.new_context(viewport=viewport, locale=locale)
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


@pytest.fixture
def tall_phone_page(browser: Browser) -> Iterator[Page]:
    yield from _new_page(browser, TALL_PHONE)


@pytest.fixture
def english_page(browser: Browser) -> Iterator[Page]:
    """A browser set to American English, whose <input type=date> reads mm/dd/yyyy."""
    yield from _new_page(browser, DESKTOP, locale="en-US")


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
    expect(answer.locator(".hoidap-resolved")).to_have_count(0)  # answered as typed
    # Under "Nguồn" only the passages the text cites; the others fold away as "Nguồn khác".
    cited = sorted(set(answer.locator(".hoidap-answer button.hoidap-cite").all_text_contents()))
    listed = answer.locator(".hoidap-sources > ol .hoidap-source-n").all_text_contents()
    assert sorted(n.strip() for n in listed) == cited, (listed, cited)
    others = answer.locator(".hoidap-sources details.hoidap-more")
    expect(others.locator("summary")).to_contain_text("Nguồn khác")
    assert others.get_attribute("open") is None  # collapsed
    expect(others.locator(".hoidap-source-link").first).to_be_hidden()

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
    # The follow-up was answered as the full question it stands for, and says so.
    resolved = follow_up.locator(".hoidap-resolved")
    expect(resolved).to_have_count(1)
    expect(resolved).to_contain_text("Trả lời cho:")
    expect(resolved).to_contain_text("kinh tế số")
    expect(resolved).to_contain_text("Bình Phước")
    expect(resolved).not_to_have_text(re.compile(re.escape(FOLLOW_UP) + "”?$"))

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


def test_new_conversation_forgets_the_history(page: Page, live_server: LiveServer) -> None:
    open_widget(page, live_server)
    ask(page, RANK_QUESTION)
    with page.expect_request("**/api/chat/stream") as sent:
        ask(page, FOLLOW_UP)
    assert len(sent.value.post_data_json["history"]) == 2  # the history is sent until...

    new = page.get_by_role("button", name="Trò chuyện mới")
    expect(new).to_be_visible()
    new.click()
    expect(page.locator(".hoidap-msg")).to_have_count(0)
    expect(page.locator(".hoidap-empty")).to_be_visible()
    expect(page.locator(".hoidap-input")).to_be_focused()
    expect(page.locator(".hoidap-announcer")).to_have_text("Đã bắt đầu cuộc trò chuyện mới.")

    with page.expect_request("**/api/chat/stream") as sent:
        answer = ask(page, RANK_QUESTION)
    assert sent.value.post_data_json["history"] == []
    expect(answer).to_contain_text("thứ 9")
    expect(page.locator(".hoidap-msg-user")).to_have_text([RANK_QUESTION])

    # Mid-answer too: the answer still on its way is dropped, the next question starts afresh.
    held: list[Route] = []
    page.route("**/api/chat/stream", lambda route: held.append(route))  # no answer comes
    page.locator(".hoidap-input").fill(FOLLOW_UP)
    page.locator(".hoidap-input").press("Enter")
    expect(page.locator(".hoidap-msg-assistant").nth(1)).to_have_attribute("data-state",
                                                                           "streaming")
    new.click()
    expect(page.locator(".hoidap-msg")).to_have_count(0)
    expect(page.locator(".hoidap-send")).to_be_enabled()
    assert len(held) == 1
    page.unroute("**/api/chat/stream")
    with page.expect_request("**/api/chat/stream") as sent:
        ask(page, RANK_QUESTION)
    assert sent.value.post_data_json["history"] == []
    expect(page.locator(".hoidap-msg")).to_have_count(2)
    expect(page.locator(".hoidap-msg-error")).to_have_count(0)


def test_feedback_on_an_answer(page: Page, live_server: LiveServer) -> None:
    open_widget(page, live_server)
    answer = ask(page, RANK_QUESTION)
    answer_id = answer.get_attribute("data-answer-id")
    assert answer_id
    group = answer.get_by_role("group", name="Đánh giá câu trả lời")
    up = group.get_by_role("button", name=re.compile("^Hữu ích"))
    down = group.get_by_role("button", name=re.compile("^Chưa hữu ích"))
    status = group.get_by_role("status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(down).to_have_attribute("aria-pressed", "false")
    comment = group.get_by_label("Góp ý thêm")
    expect(comment).to_be_hidden()  # until a thumb is chosen

    with page.expect_request("**/api/feedback") as sent:
        up.click()
    assert sent.value.method == "POST"
    assert sent.value.post_data_json == {"answer_id": answer_id, "rating": "up"}
    stored = sent.value.response()
    assert stored is not None and stored.status == 201, stored and stored.text()
    assert stored.json()["stored"] is True
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(status).to_contain_text("Cảm ơn")

    # From the keyboard: Tab to the other thumb, Enter changes the vote.
    up.focus()
    page.keyboard.press("Tab")
    expect(down).to_be_focused()
    with page.expect_request("**/api/feedback") as sent:
        page.keyboard.press("Enter")
    assert sent.value.post_data_json == {"answer_id": answer_id, "rating": "down"}
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(status).to_contain_text("Cảm ơn")

    expect(comment).to_be_visible()
    expect(comment).to_have_attribute("maxlength", "1000")
    comment.fill("Thiếu số liệu năm 2023.")
    with page.expect_request("**/api/feedback") as sent:
        group.get_by_role("button", name="Gửi góp ý").click()
    assert sent.value.post_data_json == {"answer_id": answer_id, "rating": "down",
                                         "comment": "Thiếu số liệu năm 2023."}
    stored = sent.value.response()
    assert stored is not None and stored.status == 201
    expect(status).to_have_text("Cảm ơn bạn đã góp ý!")
    expect(comment).to_have_js_property("readOnly", True)

    # The server keeps the last feedback on an answer: a vote changed after the comment
    # sends the comment again, so it is not lost.
    with page.expect_request("**/api/feedback") as sent:
        up.click()
    assert sent.value.post_data_json == {"answer_id": answer_id, "rating": "up",
                                         "comment": "Thiếu số liệu năm 2023."}
    expect(status).to_contain_text("đã ghi nhận đánh giá mới")
    expect(page.locator(".hoidap-msg-error")).to_have_count(0)

    listed = httpx.get(f"{live_server.url}/api/admin/feedback", timeout=30,
                       headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert listed.status_code == 200, listed.text
    mine = [f for f in listed.json()["feedback"] if f["answer_id"] == answer_id]
    assert len(mine) == 1, mine  # the last one
    assert mine[0]["rating"] == "up" and mine[0]["comment"] == "Thiếu số liệu năm 2023."
    assert mine[0]["question"] == RANK_QUESTION


def test_feedback_errors_are_said_politely(page: Page, live_server: LiveServer) -> None:
    open_widget(page, live_server)
    answer = ask(page, RANK_QUESTION)
    up = answer.locator(".hoidap-vote-up")
    status = answer.locator(".hoidap-feedback-status")
    page.route("**/api/feedback", lambda route: route.fulfill(
        status=429, content_type="application/json", body='{"detail": "too many requests"}'))
    up.click()
    expect(status).to_contain_text("thử lại sau")
    expect(status).to_have_attribute("role", "status")  # polite, not an alert
    expect(up).to_have_attribute("aria-pressed", "false")  # not counted
    page.unroute("**/api/feedback")
    page.route("**/api/feedback", lambda route: route.fulfill(
        status=404, content_type="application/json", body='{"detail": "unknown answer"}'))
    up.click()
    expect(status).to_contain_text("không còn giữ câu trả lời")
    expect(page.locator(".hoidap-msg-error")).to_have_count(0)
    page.unroute("**/api/feedback")
    # The real server says 404 for an answer id it never gave.
    response = httpx.post(f"{live_server.url}/api/feedback", timeout=30,
                          json={"answer_id": "khong-co", "rating": "up"})
    assert response.status_code == 404, response.text
    too_long = httpx.post(f"{live_server.url}/api/feedback", timeout=30,
                          json={"answer_id": answer.get_attribute("data-answer-id"),
                                "rating": "up", "comment": "x" * 1001})
    assert too_long.status_code == 422, too_long.text


def _as_older_server(route: Route) -> None:
    """The chat stream as a server before answer ids: every passage in `citations`, no
    `answer_id`, `resolved_question` or `sources`."""
    response = route.fetch()
    events = []
    passages: list[dict[str, object]] = []
    for block in response.text().split("\n\n"):
        if not block.strip():
            continue
        name, data = (line.split(": ", 1)[1] for line in block.split("\n"))
        value = json.loads(data)
        if name == "citations":
            passages = value + passages
            continue
        if name == "done":
            passages += value.pop("sources", [])
            for key in ("answer_id", "resolved_question", "citations"):
                value.pop(key, None)
            events.append(("citations", sorted(passages, key=lambda c: c["n"])))
        events.append((name, value))
    body = "".join(f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
                   for name, data in events)
    route.fulfill(response=response, body=body)


def test_widget_works_with_an_older_server(page: Page, live_server: LiveServer) -> None:
    open_widget(page, live_server)
    page.route("**/api/chat/stream", _as_older_server)
    answer = ask(page, RANK_QUESTION)
    expect(answer.locator(".hoidap-answer")).to_contain_text("thứ 9")
    expect(answer.locator(".hoidap-answer button.hoidap-cite", has_text="[1]")).to_have_count(1)
    expect(answer.locator(".hoidap-sources > ol .hoidap-source-n")).to_have_text(
        [re.compile(r"^\[1\]\s*$")])
    expect(answer.locator(".hoidap-more summary")).to_contain_text("Nguồn khác")
    expect(answer.locator(".hoidap-feedback")).to_have_count(0)  # nothing to rate it by
    follow_up = ask(page, FOLLOW_UP)
    expect(follow_up).to_contain_text("14/63")
    expect(follow_up.locator(".hoidap-resolved")).to_have_count(0)
    answer.locator(".hoidap-answer button.hoidap-cite").click()
    expect(page.locator(".hoidap-source mark").first).to_be_in_viewport()
    expect(page.locator(".hoidap-msg-error")).to_have_count(0)


def test_bubble_covers_no_content_on_a_phone(tall_phone_page: Page,
                                             live_server: LiveServer) -> None:
    page = tall_phone_page
    page.goto(live_server.url + "/")
    expect(page.locator("#documents li")).to_have_count(5)
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("() => window.scrollY > 0 && window.scrollY + window.innerHeight >= "
                           "document.documentElement.scrollHeight - 1")
    bubble = page.locator(".hoidap-bubble")
    expect(bubble).to_be_in_viewport()
    # Every line of text and every link, button or code block of the page that the bubble
    # lies over; the demo page ends with a paragraph as wide as the screen.
    covered = page.evaluate("""() => {
      const host = document.querySelector('[data-hoidap-widget]');
      const b = host.shadowRoot.querySelector('.hoidap-bubble').getBoundingClientRect();
      const hit = (r) => r.width > 0 && r.height > 0 && r.left < b.right && r.right > b.left
        && r.top < b.bottom && r.bottom > b.top;
      const out = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.data.trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        if ([...range.getClientRects()].some(hit)) out.push(node.data.trim().slice(0, 60));
      }
      for (const e of document.body.querySelectorAll('a, button, input, select, textarea, pre')) {
        if (hit(e.getBoundingClientRect())) out.push(e.outerHTML.slice(0, 60));
      }
      return out;
    }""")
    assert covered == [], covered
    last = page.locator("main > :last-child").bounding_box()
    box = bubble.bounding_box()
    assert last is not None and box is not None
    assert last["y"] + last["height"] <= box["y"], (last, box)
    assert box["x"] + box["width"] <= TALL_PHONE["width"]
    bubble.click()
    expect(page.locator(".hoidap-panel")).to_be_visible()


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


def _marks_by_passage(page: Page) -> list[dict[str, object]]:
    return page.locator("#results .passage").evaluate_all(
        "nodes => nodes.map(n => ({text: n.textContent, "
        "marks: [...n.querySelectorAll('mark')].map(m => m.textContent)}))")


def test_search_page_marks_whole_words_and_phrases(page: Page, live_server: LiveServer) -> None:
    query = "dịch vụ công trực tuyến"
    query_words = query.split()
    page.goto(f"{live_server.url}/search?" + urllib.parse.urlencode(
        {"q": query, "province": "Bình Phước"}))
    expect(page.locator("#results .result").first).to_be_visible()
    passages = _marks_by_passage(page)
    # "dịch" of "giao dịch", "công" of "thành công", "vụ" of "phục vụ": single syllables of
    # other words that are in these passages, and must not be marked.
    texts = " ".join(str(p["text"]) for p in passages)
    assert "giao dịch" in texts and "thành công" in texts, texts
    for passage in passages:
        for mark in passage["marks"]:  # type: ignore[union-attr]
            words = str(mark).lower().split()
            runs = [query_words[i:i + len(words)] for i in range(len(query_words))]
            assert len(words) >= 2 and words in runs, (mark, passage["text"])
    assert any(query in [str(m).lower() for m in p["marks"]]  # type: ignore[union-attr]
               for p in passages)

    def marked(text: str, q: str) -> list[str]:
        ranges = page.evaluate("([t, q]) => window.hoidapSearch.matchRanges(t, q)", [text, q])
        return [text[start:end] for start, end in ranges]

    # The longest phrase of the query wins; a lone syllable of a query word never matches.
    assert marked("Cổng dịch vụ công quốc gia", query) == ["dịch vụ công"]
    assert marked("22.800 giao dịch thành công, phục vụ người dân", query) == []
    assert marked("cung cấp dịch vụ công trực tuyến mức độ 4", query) == [
        "dịch vụ công trực tuyến"]
    assert marked("Dịch vụ công trực tuyến", "dich vu cong") == ["Dịch vụ công"]  # no accents
    # A query of one word marks that word, whole: not inside a longer one ("vụn").
    assert marked("vụn vặt, vụ việc", "vụ") == ["vụ"]
    assert marked("Vụ Bản", "vu") == ["Vụ"]
    assert marked("lắp 57 trạm 5G", "trạm 5G, 57") == ["57 trạm 5G"]
    decomposed = "giao di\u0323ch vu\u0323 công"  # combining marks are part of the word
    assert marked(decomposed, query) == ["di\u0323ch vu\u0323 công"]
    assert marked(decomposed, "vụ") == ["vu\u0323"]


def test_search_dates_are_day_month_year(english_page: Page, live_server: LiveServer) -> None:
    page = english_page  # an en-US browser, where a date input would read mm/dd/yyyy
    searches: list[str] = []
    page.on("request", lambda r: searches.append(r.url) if "/api/search" in r.url else None)
    page.goto(f"{live_server.url}/search?" + urllib.parse.urlencode(
        {"q": "chuyển đổi số", "from": "2022-05-01", "to": "2022-12-31"}))
    date_from = page.get_by_label("Từ ngày")
    date_to = page.get_by_label("Đến ngày")
    expect(date_from).to_have_value("01/05/2022")
    expect(date_to).to_have_value("31/12/2022")
    expect(date_from).to_have_attribute("placeholder", "dd/mm/yyyy")
    expect(date_from).to_have_attribute("type", "text")
    expect(page.locator("#results .result").first).to_be_visible()
    assert "from=2022-05-01" in searches[-1] and "to=2022-12-31" in searches[-1], searches

    # Not a date: said next to the field and in the status, and nothing is searched.
    before = len(searches)
    date_from.fill("31/02/2022")
    page.locator("#submit").click()
    error = page.locator("#from-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("dd/mm/yyyy")
    expect(date_from).to_have_attribute("aria-invalid", "true")
    expect(date_from).to_be_focused()
    expect(page.locator("#status [role=alert]")).to_contain_text("dd/mm/yyyy")
    assert len(searches) == before

    # Day first: 1/6/2022 is the first of June, shown back as 01/06/2022, sent as ISO.
    date_from.fill("1/6/2022")
    with page.expect_request("**/api/search?*") as sent:
        page.locator("#submit").click()
    assert "from=2022-06-01" in sent.value.url and "to=2022-12-31" in sent.value.url
    expect(date_from).to_have_value("01/06/2022")
    expect(error).to_be_hidden()
    expect(date_from).not_to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(r"from=2022-06-01"))

    # The article page shows its date the same way (Tiền Giang's is 2022-05-20).
    page.goto(live_server.url + "/documents/tien-giang")
    expect(page.locator("#meta")).to_contain_text("Ngày đăng: 20/05/2022")


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
    added = httpx.post(f"{live_server.url}/api/admin/documents?wait=true", headers=auth,
                       timeout=60,
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


# ---- the facts page, on a corpus of ranking news over several years ----

FACTS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "facts.png"
RANKING_ARTICLES = [
    ("qn-2021", "Quảng Ngãi và DTI 2021", "2022-04-10",
     "Năm 2021, chỉ số chuyển đổi số (DTI) của Quảng Ngãi xếp thứ 31/63 tỉnh, thành phố."),
    ("qn-2022", "Quảng Ngãi: DTI 2022", "2023-07-12",
     "Theo DTI 2022, Quảng Ngãi xếp thứ 26/63, đạt 0,4517 điểm."),
    ("qn-2023", "Quảng Ngãi tăng 5 bậc", "2024-05-20",
     "Theo DTI 2023, Quảng Ngãi xếp vị trí thứ 21/63. Năm 2023, chỉ số PCI của Quảng Ngãi "
     "xếp thứ 40/63."),
    ("qn-pci", "PCI 2022 của Quảng Ngãi", "2023-05-04",
     "Năm 2022, chỉ số PCI của Quảng Ngãi xếp thứ 45/63."),
    ("bd-2023", "Bình Định và DTI 2023", "2024-06-01",
     "Theo DTI 2023, Bình Định xếp thứ 12/63 tỉnh, thành phố."),
]


@pytest.fixture(scope="module")
def facts_server(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder
                 ) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("facts-page")
    corpus = folder / "rankings.jsonl"
    corpus.write_text("".join(json.dumps({"doc_id": d, "title": t, "published": p, "text": x},
                                         ensure_ascii=False) + "\n"
                              for d, t, p, x in RANKING_ARTICLES), encoding="utf-8")
    settings = Settings(index_dir=folder / "index", corpus=corpus,
                        model_cache_dir=Settings().model_cache_dir, rate_limit_per_minute=0)
    with serve_in_thread(settings, encoder, "hoidap-facts-page-test") as url:
        yield LiveServer(url)


def test_facts_page_tables_and_charts_a_province(page: Page, facts_server: LiveServer,
                                                 tmp_path: Path,
                                                 request: pytest.FixtureRequest) -> None:
    page.goto(facts_server.url + "/facts?subject=" + urllib.parse.quote("Quảng Ngãi"))
    table = page.locator("#facts-table")
    expect(table.locator("caption")).to_contain_text("Quảng Ngãi")
    expect(table.locator("thead th")).to_have_text(["Chỉ số", "2021", "2022", "2023"])
    expect(table.locator("tbody th")).to_have_text(["DTI", "PCI"])
    dti = table.locator("tbody tr").nth(0).locator("td")
    expect(dti).to_have_count(3)
    expect(dti.nth(0)).to_have_text("hạng 31/63")
    expect(dti.nth(1)).to_contain_text("hạng 26/63")
    expect(dti.nth(1)).to_contain_text("0,4517 điểm")
    expect(table.locator("tbody tr").nth(1).locator("td").nth(0)).to_have_text("—")
    # Each value links to the passage that states it, highlighted on the article page.
    link = dti.nth(2).locator("a")
    expect(link).to_have_attribute("href", re.compile(r"^/documents/qn-2023#\d+-\d+$"))

    chart = page.locator("#chart svg")
    expect(chart).to_have_attribute("role", "img")
    expect(chart.locator("desc")).to_have_text(
        "DTI: 2021 hạng 31, 2022 hạng 26, 2023 hạng 21; PCI: 2022 hạng 45, 2023 hạng 40")
    points = chart.locator("a.point")
    expect(points).to_have_count(5)
    expect(chart.locator("polyline")).to_have_count(2)
    # A better rank is drawn higher: 21 (2023) above 31 (2021).
    heights = [float(c) for c in chart.locator("a.point circle").evaluate_all(
        "(nodes) => nodes.map((n) => n.getAttribute('cy'))")]
    assert heights[2] < heights[0]

    shot = tmp_path / "facts.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if request.config.getoption("--update-screenshot"):
        FACTS_SCREENSHOT.write_bytes(shot.read_bytes())

    # Keyboard only: the chart's points are links in the tab order, announced with values.
    first_point = points.nth(0)
    first_point.focus()
    expect(first_point).to_be_focused()
    expect(first_point).to_have_attribute("aria-label", "DTI năm 2021: hạng 31/63")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/documents/qn-2021#\d+-\d+$"))
    expect(page.locator("#text mark")).to_contain_text("xếp thứ 31/63")


def test_facts_page_subject_choice_and_unknown_subjects(page: Page,
                                                       facts_server: LiveServer) -> None:
    page.goto(facts_server.url + "/facts")
    options = page.locator("#subject option")
    expect(options).to_have_text(["— chọn —", "Bình Định (1)", "Quảng Ngãi (6)"])
    page.locator("#subject").select_option("Bình Định")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url(re.compile(r"/facts\?subject=B%C3%ACnh%20%C4%90%E1%BB%8Bnh$"))
    expect(page.locator("#facts-table tbody td")).to_have_text(["hạng 12/63"])
    # One year only: one point, no line.
    expect(page.locator("#chart svg a.point")).to_have_count(1)
    expect(page.locator("#chart svg polyline")).to_have_count(0)
    page.goto(facts_server.url + "/facts?subject=" + urllib.parse.quote("Hà Nội"))
    expect(page.locator("#status")).to_contain_text("không nêu dữ kiện xếp hạng nào của “Hà Nội”")
    expect(page.locator("#result")).to_be_hidden()
