"""The chat as a user sees it: the real app in a subprocess, driven by headless chromium.

A Gradio page keeps a live connection open, so it never reaches "networkidle": every test
navigates with wait_until="domcontentloaded" and then waits for the elements it needs.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SEED_TEXT = "\n".join(p.read_text(encoding="utf-8")
                      for p in sorted((REPO_ROOT / "seeds").glob("*.txt")))
SCREENSHOT = REPO_ROOT / "docs" / "img" / "chat.png"
NOT_COVERED = "The articles don't cover this."
CEASEFIRE = "Who said what about the ceasefire?"

# The first answer loads the embedder in the server; later ones take a second or two.
ANSWER_TIMEOUT_MS = 45_000


# -- helpers ---------------------------------------------------------------------------------


def open_chat(page, base_url: str) -> None:
    page.goto(base_url + "/", wait_until="domcontentloaded")
    page.locator("#question textarea").wait_for(state="visible")


def ask(page, question: str) -> None:
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")


def bot_messages(page):
    return page.locator('#chat [data-testid="bot"]')


def wait_for_final_answer(page, count: int = 1):
    """The last bot message once streaming is over (the final HTML holds div.answer)."""
    page.locator("#chat .answer").nth(count - 1).wait_for(timeout=ANSWER_TIMEOUT_MS)
    # The streamed draft is plain text; the final message is the rendered Answer.
    msg = bot_messages(page).last
    msg.locator(".answer").wait_for()
    return msg


def check_citations(msg) -> list[int]:
    """Every [n] link in the message has source card n in the same message; the numbers."""
    cites = msg.locator("a.cite")
    assert cites.count() >= 1, msg.inner_html()
    cards = msg.locator("details.source")
    assert cards.count() >= 1, msg.inner_html()
    # one card per article; each cited sentence in it carries its number's id
    card_ids = set(msg.locator("details.source [id]").evaluate_all("els => els.map(e => e.id)"))
    articles = cards.evaluate_all("els => els.map(e => e.querySelector('summary').innerText)")
    assert len(articles) == len(set(articles)), articles
    numbers = []
    for a in cites.all():
        label = a.inner_text().strip()
        m = re.fullmatch(r"\[(\d+)\]", label)
        assert m, f"citation link text {label!r} is not [n]"
        href = a.get_attribute("href") or ""
        assert href.startswith("#"), href
        assert href[1:] in card_ids, f"{label} points at {href}, cards: {sorted(card_ids)}"
        assert href.endswith(f"-{m.group(1)}"), f"{label} points at {href}"
        numbers.append(int(m.group(1)))
    return numbers


# -- tests -----------------------------------------------------------------------------------


@pytest.mark.browser
def test_answer_with_citations_opens_the_cited_passage(page, app_server):
    open_chat(page, app_server)
    ask(page, CEASEFIRE)
    msg = wait_for_final_answer(page)

    assert msg.locator(".answer").inner_text().strip()
    check_citations(msg)

    first = msg.locator("a.cite").first
    sentence = msg.locator(first.get_attribute("href"))  # the cited sentence, in its card
    assert sentence.evaluate("e => e.closest('details.source').open") is False
    first.click()
    page.wait_for_function("id => document.getElementById(id).closest('details').open",
                           arg=first.get_attribute("href")[1:], timeout=5_000)
    mark = sentence.locator("mark")
    mark.wait_for(state="visible")
    highlighted = mark.inner_text().strip()
    assert len(highlighted) > 20
    assert highlighted in SEED_TEXT, f"highlight is not verbatim from the seed: {highlighted!r}"
    # The page URL did not jump to the anchor (the click is handled, not followed).
    assert "#" not in page.url

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)


@pytest.mark.browser
def test_off_topic_question_says_not_covered(page, app_server):
    open_chat(page, app_server)
    ask(page, "What is the best recipe for banana bread?")
    msg = wait_for_final_answer(page)
    assert msg.locator(".answer").inner_text().strip() == NOT_COVERED
    assert msg.locator("details.source").count() == 0
    assert msg.locator("a.cite").count() == 0


@pytest.mark.browser
def test_example_question_gets_a_cited_answer(page, app_server):
    open_chat(page, app_server)
    page.get_by_text(CEASEFIRE, exact=True).first.click()
    msg = wait_for_final_answer(page)
    # The example became the user's turn.
    assert CEASEFIRE in page.locator('#chat [data-testid="user"]').first.inner_text()
    check_citations(msg)


def test_rest_ask_returns_offsets_into_the_stored_article(app_server, seed_index):
    from assistant.config import get_settings
    from assistant.core import Assistant

    req = urllib.request.Request(app_server + "/api/ask", method="POST",
                                 data=json.dumps({"question": "What did Obama say?"}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        assert r.status == 200
        out = json.load(r)

    assert set(out) == {"question", "answer", "mode", "citations", "warnings"}
    assert out["question"] == "What did Obama say?"
    assert out["citations"], out
    in_text = {int(n) for n in re.findall(r"\[(\d+)\]", out["answer"])}
    assert {c["n"] for c in out["citations"]} <= in_text, out["answer"]

    lib = Assistant(get_settings(index_dir=seed_index))
    texts = {}
    for c in out["citations"]:
        if c["article_id"] not in texts:
            article = lib.article(c["article_id"])
            assert article is not None, c["article_id"]
            texts[c["article_id"]] = article.text
        assert texts[c["article_id"]][c["start"]:c["end"]] == c["text"], c


# -- the rest of the chat page (issue 6) -----------------------------------------------------

PHONE_DARK = REPO_ROOT / "docs" / "img" / "chat-phone-dark.png"


def _luminance(rgb: str) -> float:
    r, g, b = (int(x) / 255 for x in re.findall(r"\d+", rgb)[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


@pytest.mark.browser
def test_copy_answer_and_new_conversation(browser, app_server):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        open_chat(page, app_server)
        ask(page, "What did Obama say about Russia?")
        msg = wait_for_final_answer(page)
        msg.locator("a.copy-answer").click()
        msg.get_by_text("Copied ✓").wait_for()
        copied = page.evaluate("navigator.clipboard.readText()")
        answer = msg.locator(".answer").inner_text().strip()
        assert copied.startswith(answer) and "<" not in copied  # text, not HTML
        assert "\nSources:\n[1] " in copied

        page.locator("#new-conversation").click()
        page.wait_for_function("() => !document.querySelector('#chat [data-testid=\"bot\"]')")
        page.get_by_text(CEASEFIRE, exact=True).first.wait_for()  # the examples are back
        assert page.locator("#question textarea").input_value() == ""
        assert errors == []
    finally:
        context.close()


@pytest.mark.browser
def test_articles_tab_lists_and_searches(page, app_server):
    open_chat(page, app_server)
    page.get_by_role("tab", name="Articles").click()
    title = "Russia: no basis for dramatic statements after Lavrov, Kerry meeting"
    table = page.locator("#articles-table")
    table.get_by_text(title).filter(visible=True).first.wait_for()
    assert page.locator("#article-count").inner_text() == "1 article"
    search = page.locator("#article-search textarea, #article-search input").first
    search.fill("no such article anywhere")
    page.locator("#article-count").get_by_text("0 of 1 article").wait_for()
    assert table.get_by_text(title).filter(visible=True).count() == 0
    search.fill("lavrov")
    page.locator("#article-count").get_by_text("1 of 1 article").wait_for()
    # Loopback in auth mode none is the local admin.
    page.locator("#admin-panel").wait_for(state="visible")


@pytest.mark.browser
def test_phone_width_dark_mode_is_readable_and_offline(browser, app_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark",
                                  is_mobile=True, has_touch=True, device_scale_factor=2)
    page = context.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    try:
        open_chat(page, app_server)
        ask(page, "What did Obama say about Russia?")
        msg = wait_for_final_answer(page)
        msg.locator("a.cite").first.click()
        msg.locator("details.source[open] mark").first.wait_for(state="visible")
        page.wait_for_timeout(400)  # the smooth scroll to the card

        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways
        box = msg.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert page.evaluate("document.body.classList.contains('dark')")
        colour = msg.locator(".answer").evaluate("e => getComputedStyle(e).color")
        assert _luminance(colour) > 0.6, colour  # light text on the dark theme
        mark = msg.locator("mark").first.evaluate(
            "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
        contrast = (_luminance(mark[1]) + 0.05) / (_luminance(mark[0]) + 0.05)
        assert contrast > 4.5, mark
        assert outside == [], outside  # nothing fetched from the internet (fonts included)

        PHONE_DARK.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(PHONE_DARK))
    finally:
        context.close()


# -- what every answer carries, in each look (issue 17) ---------------------------------------


LOOKS = {"light": {"viewport": {"width": 1100, "height": 900}, "color_scheme": "light"},
         "dark": {"viewport": {"width": 1100, "height": 900}, "color_scheme": "dark"},
         "phone": {"viewport": {"width": 390, "height": 844}, "color_scheme": "light",
                   "is_mobile": True, "has_touch": True, "device_scale_factor": 2}}


@pytest.mark.browser
@pytest.mark.parametrize("look", list(LOOKS))
@pytest.mark.parametrize("where", ["chat", "widget"])
def test_an_answer_reads_right_in_every_look(browser, app_server, where, look):
    """Chat page and widget, light, dark and phone width: a cited answer, one source card
    per article, plain-text labels for screen readers, nothing wider than the screen."""
    context = browser.new_context(**LOOKS[look])
    page = context.new_page()
    try:
        page.goto(app_server + ("/" if where == "chat" else "/widget/"),
                  wait_until="domcontentloaded")
        page.locator("#question textarea").wait_for(state="visible")
        ask(page, "What did Obama say about Russia?")
        msg = wait_for_final_answer(page)
        numbers = check_citations(msg)
        assert sorted(set(numbers)) == list(range(1, max(numbers) + 1))
        label = msg.get_attribute("aria-label")
        assert "<" not in label and label.startswith("Answer: "), label
        assert label[len("Answer: "):][:60] in " ".join(msg.locator(".answer").inner_text().split())
        assert page.evaluate("document.body.classList.contains('dark')") == (look == "dark")
        msg.locator("a.cite").first.click()
        msg.locator("details.source[open] mark").first.wait_for(state="visible")
        page.wait_for_timeout(400)  # the smooth scroll to the card
        width = LOOKS[look]["viewport"]["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(REPO_ROOT / "docs" / "img" / f"{where}-{look}.png"))
    finally:
        context.close()


@pytest.fixture(scope="module")
def slow_llm_app(seed_index, tmp_path_factory):
    """The app answering through a scripted LLM that streams a word every 0.2 s: an answer
    stays a draft long enough to be looked at."""
    from testkit.llm_server import Reply, ScriptedLLM
    from tests.conftest import start_app, stop

    reply = Reply("Kerry and Lavrov met in the Chinese city of Hangzhou [1]. The talks failed "
                  "to produce a ceasefire agreement [1].", chunk_delay=0.2)
    with ScriptedLLM(default=reply) as llm:
        base, proc = start_app(seed_index, tmp_path_factory.mktemp("slow_llm"),
                               {"ASSISTANT_LLM_BASE_URL": llm.url + "/v1",
                                "ASSISTANT_LLM_MODEL": "scripted"})
        try:
            yield base
        finally:
            stop(proc)


@pytest.mark.browser
def test_thumbs_rate_final_answers_and_the_comment_box_opens_under_its_answer(page, slow_llm_app):
    open_chat(page, slow_llm_app)
    ask(page, "Where did Kerry and Lavrov meet?")
    page.locator("#chat .draft").wait_for(timeout=ANSWER_TIMEOUT_MS)
    thumbs = page.locator('#chat button[aria-label="Like"]')
    assert thumbs.count() == 0 or not thumbs.last.is_visible()  # no rating a half answer
    first = wait_for_final_answer(page)
    assert thumbs.last.is_visible()
    # Claim-level citations: one passage, two sentences, two numbers in one card.
    assert check_citations(first) == [1, 2] and first.locator("details.source").count() == 1

    page.locator('#chat button[aria-label="Dislike"]').last.click()
    page.locator("#feedback-box").wait_for(state="visible")
    buttons = "[...document.querySelectorAll('#chat .message-buttons')]"
    assert page.evaluate(f"{buttons}.indexOf(document.querySelector('#feedback')"
                         ".previousElementSibling)") == 0  # right under the rated answer
    below = page.locator("#feedback-box").bounding_box()["y"]
    assert below > first.bounding_box()["y"] + first.bounding_box()["height"]
    assert below < page.locator("#question").bounding_box()["y"]  # in the chat, not the form

    ask(page, "What did Obama say?")  # the next question closes the box
    page.locator("#feedback-box").wait_for(state="hidden")
    wait_for_final_answer(page, 2)
    page.locator('#chat button[aria-label="Like"]').last.click()
    page.locator("#feedback-box").wait_for(state="visible")
    assert page.evaluate(f"{buttons}.indexOf(document.querySelector('#feedback')"
                         ".previousElementSibling)") == 1
    page.locator("#feedback-comment textarea").fill("Right place.")
    page.locator("#feedback-send").click()
    page.locator("#feedback-status").get_by_text("your comment was saved").wait_for()
    page.screenshot(path=str(REPO_ROOT / "docs" / "img" / "feedback.png"))


@pytest.mark.browser
def test_people_view_lists_who_is_quoted_and_a_person_s_statements(page, app_server):
    open_chat(page, app_server)
    page.get_by_role("tab", name="Articles").click()
    page.locator("#people").get_by_text("People: who is quoted").click()
    table = page.locator("#people-table")
    table.get_by_text("Barack Obama", exact=True).first.wait_for()
    names = table.locator("tbody tr td:first-child").all_inner_texts()
    assert len(names) == len(set(names)) and "Vladimir Putin" not in names
    table.get_by_text("Barack Obama", exact=True).first.click()
    shown = page.locator("#person-statements")
    shown.locator(".answer").wait_for()
    assert shown.locator(".answer strong").all_inner_texts() == ["Barack Obama"]
    check_citations(shown)
    shown.locator("a.cite").first.click()
    mark = shown.locator("details.source[open] mark").first
    mark.wait_for(state="visible")
    assert mark.inner_text().strip() in SEED_TEXT
    page.screenshot(path=str(REPO_ROOT / "docs" / "img" / "people.png"), full_page=True)
