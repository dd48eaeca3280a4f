"""Access and abuse, in real chromium against the real app in a subprocess.

One server for the module, with every auth mode on (token, basic, proxy from loopback), a
rate limit of 3 questions a minute per user, and an index of its own: the seed plus hostile
articles whose titles, outlets, links and text carry <script>, event handlers and
javascript: URLs. Users: alice (admin) and bob, carol, dave (not).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import urllib.error
import urllib.request

import pytest

try:
    from playwright.sync_api import Error as PlaywrightError
except ImportError:  # the browser fixture skips these tests
    PlaywrightError = Exception

from tests.conftest import SEEDS_DIR, start_app, stop
from tests.test_browser import ANSWER_TIMEOUT_MS, check_citations

RATE = 3
USERS = {"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw"}
ZEBRA_Q = "What did the council say about the zebra crossing on Main Street?"

# Every way a news article could try to run script in the page. Each sets a flag.
EVIL_TEXT = (
    "Zebra crossing on Main Street to get new lights, the council said on Monday. "
    "<script>window.__pwned = 'text-script'</script> The council said the zebra crossing "
    "on Main Street had seen three accidents this year. <img src=x onerror=\"window.__pwned = "
    "'text-img'\"> Residents said the zebra crossing on Main Street was dangerous at night "
    "and <a href=\"javascript:window.__pwned = 'text-link'\">asked the council</a> to act. "
    "<svg onload=\"window.__pwned = 'text-svg'\"></svg> The council said work on the zebra "
    "crossing would start in May [1](javascript:window.__pwned='md-link'). "
    "<iframe src=\"javascript:parent.__pwned = 'iframe'\"></iframe> <details open "
    "ontoggle=\"window.__pwned = 'details'\">Council minutes</details>"
)
EVIL_JSONL = json.dumps({
    "id": "evil-zebra",
    "title": "<script>window.__pwned = 'title'</script><img src=x onerror=\"window.__pwned = "
             "'title-img'\">Zebra crossing on Main Street",
    "url": "javascript:window.__pwned = 'url'",
    "published": "2016-09-12",
    "outlet": "<b onmouseover=\"window.__pwned = 'outlet'\">Evil Times</b>",
    "text": EVIL_TEXT,
})
EVIL_HTML = """<!doctype html><html><head><title>Zebra crossing lights &lt;script&gt;</title>
<script>window.__pwned = 'html-head'</script></head><body onload="window.__pwned = 'body'">
<article><h1>Zebra crossing lights approved</h1>
<p>The council said the zebra crossing on Main Street will be lit by June.
<img src="x" onerror="window.__pwned = 'html-img'"> Drivers said the new lights on the zebra
crossing were overdue. <a href="javascript:window.__pwned = 'html-link'">More</a></p>
<p>&lt;script&gt;window.__pwned = 'escaped'&lt;/script&gt; The council said the zebra
crossing work costs 40,000 pounds.</p></article></body></html>"""


@pytest.fixture(scope="module")
def secure_app(tmp_path_factory):
    from assistant.config import get_settings
    from assistant.core import Assistant

    tmp = tmp_path_factory.mktemp("secure")
    index = tmp / "index"
    hostile = tmp / "hostile"
    hostile.mkdir()
    (hostile / "evil.jsonl").write_text(EVIL_JSONL + "\n", encoding="utf-8")
    (hostile / "evil.html").write_text(EVIL_HTML, encoding="utf-8")
    report = Assistant(get_settings(index_dir=index)).ingest([SEEDS_DIR, hostile],
                                                            progress=False)
    assert report.ok and len(report.added) == 3, report.summary()
    base, proc = start_app(index, tmp, {
        "ASSISTANT_AUTH_MODE": "token,basic,proxy",
        "ASSISTANT_AUTH_TOKEN": "user-token",
        "ASSISTANT_ADMIN_TOKEN": "admin-token",
        "ASSISTANT_BASIC_USERS": ",".join(f"{u}:{p}" for u, p in USERS.items()),
        "ASSISTANT_ADMIN_USERS": "alice",
        "ASSISTANT_TRUSTED_PROXIES": "127.0.0.1",
        "ASSISTANT_RATE_LIMIT": f"{RATE}/minute",
    })
    try:
        yield base
    finally:
        stop(proc)


@pytest.fixture
def as_user(browser):
    """as_user(name | None, **context options) -> a page signed in by basic auth."""
    contexts = []

    def make(name: str | None = None, **options):
        if name:
            options["http_credentials"] = {"username": name, "password": USERS[name]}
        ctx = browser.new_context(viewport={"width": 1100, "height": 900}, **options)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def api(base: str, path: str, user: str = "alice", **kw):
    token = base64.b64encode(f"{user}:{USERS[user]}".encode()).decode()
    req = urllib.request.Request(base + path, headers={"Authorization": "Basic " + token}, **kw)
    return urllib.request.urlopen(req, timeout=60)


def open_chat(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.locator("#question textarea").wait_for(state="visible")


def ask(page, question: str):
    before = page.locator('#chat [data-testid="bot"] .answer, #chat .notice').count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.locator('#chat [data-testid="bot"] .answer, #chat .notice').nth(before).wait_for(
        timeout=ANSWER_TIMEOUT_MS)
    return page.locator('#chat [data-testid="bot"]').last


def cells(page, text: str):
    """Visible cells of the articles table holding text (Gradio keeps hidden copies)."""
    return page.locator("#articles-table").get_by_text(text).filter(visible=True)


def whoami(page) -> str:
    page.locator("#whoami").get_by_text("Signed in as").wait_for()
    return page.locator("#whoami").inner_text().strip()


# -- hostile articles --------------------------------------------------------------------------


@pytest.mark.browser
def test_hostile_article_runs_no_script(as_user, secure_app):
    page = as_user("bob")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_chat(page, secure_app + "/")
    msg = ask(page, ZEBRA_Q)
    check_citations(msg)
    ask(page, "<img src=x onerror=\"window.__pwned='question'\"> What will the zebra crossing "
              "work cost?")
    chat = page.locator("#chat")
    for card in chat.locator("details.source").all():  # open every passage
        card.locator("summary").click()
    for link in chat.locator("a.cite").all():
        link.click()
    # Articles tab: hostile titles and outlets in the table, and a search for them.
    page.get_by_role("tab", name="Articles").click()
    cells(page, "Zebra crossing").first.wait_for()
    page.locator("#article-search textarea, #article-search input").first.fill("evil")
    page.wait_for_timeout(500)

    assert page.evaluate("window.__pwned") is None
    assert dialogs == [] and page.errors == []
    assert page.url.startswith(secure_app) and "javascript" not in page.url
    # Shown as text, not dropped and not markup.
    page.get_by_role("tab", name="Chat").click()
    text = chat.inner_text()
    assert "<script>window.__pwned = 'text-script'</script>" in text
    assert "onerror=" in text
    # Inside the messages (Gradio's own buttons carry SVG icons, outside them).
    bad = chat.evaluate("""c => {
        const all = [...c.querySelectorAll('[data-testid="bot"], [data-testid="user"]')]
            .flatMap(m => [...m.querySelectorAll('.answer, .sources, .notice, .draft')]
                .concat(m.matches('[data-testid="user"]') ? [m] : []));
        const inside = (sel) => all.flatMap(e => [...e.querySelectorAll(sel)]);
        return {messages: all.length,
            scripts: c.querySelectorAll('script').length,
            media: inside('img, svg, iframe, object, embed, details[ontoggle]').length,
            handlers: [...c.querySelectorAll('*')].filter(e => [...e.attributes].some(
                a => a.name.startsWith('on'))).length,
            jsLinks: [...c.querySelectorAll('a[href]')].filter(
                a => !/^(https?:|#)/.test(a.getAttribute('href'))).length};
    }""")
    assert bad.pop("messages") >= 4
    assert bad == {"scripts": 0, "media": 0, "handlers": 0, "jsLinks": 0}, bad


# -- auth in the browser -------------------------------------------------------------------------


def dismiss_basic_prompt(page) -> None:
    """What a person does at the browser's basic-auth prompt when they have a token instead:
    cancel it, and the browser shows the page that came with the 401 (headless chromium
    cannot show the prompt, so the challenge is taken off page loads)."""
    def handle(route):
        if route.request.resource_type != "document":
            route.continue_()
            return
        response = route.fetch(max_redirects=0)
        if response.status != 401:
            route.fulfill(response=response)
            return
        headers = {k: v for k, v in response.headers.items() if k != "www-authenticate"}
        route.fulfill(status=response.status, headers=headers, body=response.body())

    page.route("**/*", handle)


@pytest.mark.browser
def test_token_sign_in_form_and_link(as_user, secure_app):
    page = as_user()
    dismiss_basic_prompt(page)
    response = page.goto(secure_app + "/", wait_until="domcontentloaded")
    assert response.status == 401
    page.locator('input[name="token"]').fill("wrong-token")
    page.locator('input[name="token"]').press("Enter")
    page.get_by_text("Invalid token").wait_for()
    page.locator('input[name="token"]').fill("user-token")
    page.locator('input[name="token"]').press("Enter")
    page.locator("#question textarea").wait_for(state="visible")
    assert "token" not in page.url
    assert whoami(page) == "Signed in as token user"
    check_citations(ask(page, "What did Obama say about Russia?"))
    page.get_by_role("tab", name="Articles").click()
    page.locator("#articles-table").wait_for()
    assert page.locator("#admin-panel").count() == 0

    admin = as_user()
    admin.goto(secure_app + "/widget/?token=admin-token", wait_until="domcontentloaded")
    admin.locator("#question textarea").wait_for(state="visible")
    assert admin.url == secure_app + "/widget/"  # the token left the address bar
    admin.goto(secure_app + "/", wait_until="domcontentloaded")
    assert whoami(admin) == "Signed in as admin (admin)"
    admin.get_by_role("tab", name="Articles").click()
    admin.locator("#admin-panel").wait_for(state="visible")


@pytest.mark.browser
def test_basic_and_proxy_sign_in(as_user, secure_app):
    alice = as_user("alice")
    open_chat(alice, secure_app + "/")
    assert whoami(alice) == "Signed in as alice (admin)"

    bob = as_user("bob")
    open_chat(bob, secure_app + "/")
    assert whoami(bob) == "Signed in as bob"
    bob.get_by_role("tab", name="Articles").click()
    bob.locator("#articles-table").wait_for()
    assert bob.locator("#admin-panel").count() == 0

    wrong = as_user(http_credentials={"username": "alice", "password": "nope"})
    try:
        response = wrong.goto(secure_app + "/", wait_until="domcontentloaded")
    except PlaywrightError as e:  # chromium gave up on the credentials
        assert "ERR_INVALID_AUTH_CREDENTIALS" in str(e)
    else:
        assert response.status == 401
        assert wrong.locator("#question").count() == 0

    dave = as_user(extra_http_headers={"X-Forwarded-User": "dave"})
    open_chat(dave, secure_app + "/")
    assert whoami(dave) == "Signed in as dave"


# -- rate limit ----------------------------------------------------------------------------------


@pytest.mark.browser
def test_rate_limit_says_so_in_the_chat(as_user, secure_app):
    page = as_user("carol")
    open_chat(page, secure_app + "/widget/")
    for i in range(RATE):
        assert ask(page, f"What did Obama say about Russia? ({i})").locator(".answer").count()
    msg = ask(page, "And what did Putin say?")
    notice = msg.locator(".notice").inner_text()
    assert f"limit of {RATE} questions per minute" in notice and "Please wait" in notice
    # The API says it the HTTP way, for the same user.
    with pytest.raises(urllib.error.HTTPError) as e:
        api(secure_app, "/api/ask", "carol", method="POST",
            data=json.dumps({"question": "Obama?"}).encode())
    assert e.value.code == 429 and int(e.value.headers["Retry-After"]) > 0


# -- admin: upload and delete ----------------------------------------------------------------------


@pytest.mark.browser
def test_admin_uploads_with_per_file_errors_then_deletes(as_user, secure_app):
    page = as_user("alice")
    open_chat(page, secure_app + "/")
    page.get_by_role("tab", name="Articles").click()
    page.locator("#admin-panel").wait_for(state="visible")
    page.evaluate("""() => { window.__progress = false; new MutationObserver(() => {
        if (document.querySelector('#upload-progress, #admin-panel .progress-text, '
            + '#admin-panel .eta-bar, #admin-panel .progress-level, #admin-panel .wrap.default'))
            window.__progress = true; }).observe(document.body, {subtree: true,
            childList: true}); }""")
    ostrich = ("Ostrich farm opens in Kent\n\nA farm near Canterbury opened the county's first "
               "ostrich enclosure, the owners said, with 27 ostriches from a breeder in Spain.")
    lines = json.dumps({"id": "emu-1", "title": "Emu sanctuary", "text": "An emu sanctuary in "
                        "Devon took in 12 emus this winter, its keepers said."}) + "\n{broken\n"
    page.locator("#upload-files input[type=file]").set_input_files([
        {"name": "ostrich.txt", "mimeType": "text/plain", "buffer": ostrich.encode()},
        {"name": "emus.jsonl", "mimeType": "application/json", "buffer": lines.encode()},
        {"name": "empty.md", "mimeType": "text/markdown", "buffer": b""},
        {"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90"},
    ])
    report = page.locator("#upload-report .upload-report")
    report.wait_for(timeout=60_000)
    rows = {r.locator("td").nth(0).inner_text(): (r.locator("td").nth(1).inner_text(),
                                                  r.locator("td").nth(2).inner_text())
            for r in report.locator("tr.file-result").all()}
    assert rows["ostrich.txt"] == ("indexed", "1 article(s)")
    assert rows["emus.jsonl"][0] == "partly indexed" and "line 2" in rows["emus.jsonl"][1]
    assert rows["empty.md"][0] == "failed" and "empty" in rows["empty.md"][1]
    assert rows["setup.exe"][0] == "refused" and "unsupported type .exe" in rows["setup.exe"][1]
    assert "2 added" in report.locator("#upload-summary").inner_text()
    assert page.evaluate("window.__progress"), "no progress was shown while indexing"

    cells(page, "Ostrich farm opens in Kent").first.wait_for()
    page.get_by_role("tab", name="Chat").click()
    assert "27 ostriches" in ask(page, "How many ostriches does the Kent farm have?").inner_text()

    page.get_by_role("tab", name="Articles").click()
    cells(page, "Ostrich farm opens in Kent").first.click()  # picks the row's id
    delete_id = page.locator("#delete-id textarea, #delete-id input").first
    page.wait_for_function("el => el.value.length > 0", arg=delete_id.element_handle())
    article_id = delete_id.input_value()
    page.locator("#delete-article").click()
    page.locator("#delete-result").get_by_text(f"Deleted {article_id}.").wait_for()
    assert cells(page, "Ostrich farm opens in Kent").count() == 0
    with pytest.raises(urllib.error.HTTPError) as e:
        api(secure_app, f"/api/articles/{article_id}")
    assert e.value.code == 404
    api(secure_app, "/api/articles/emu-1", method="DELETE")


# -- feedback ------------------------------------------------------------------------------------


@pytest.mark.browser
def test_thumbs_and_comment_are_stored_and_exported(as_user, secure_app):
    page = as_user("alice")
    open_chat(page, secure_app + "/")
    ask(page, "What could a deal in Syria include?")
    page.locator('#chat button[aria-label="Dislike"]').last.click()
    page.locator("#feedback-box").wait_for(state="visible")
    page.locator("#feedback-comment textarea").fill("The second source is off topic.")
    page.locator("#feedback-send").click()
    page.locator("#feedback-status").get_by_text("your comment was saved").wait_for()
    assert not page.locator("#feedback-box").is_visible()

    with api(secure_app, "/api/feedback.csv") as r:
        rows = list(csv.DictReader(io.StringIO(r.read().decode())))
    mine = [x for x in rows if x["user"] == "basic:alice"]
    assert mine and mine[-1]["vote"] == "-1" and mine[-1]["source"] == "chat"
    assert mine[-1]["comment"] == "The second source is off topic."
    assert mine[-1]["question"] == "What could a deal in Syria include?"
    assert mine[-1]["answer"] and mine[-1]["sources"]
    with pytest.raises(urllib.error.HTTPError) as e:
        api(secure_app, "/api/feedback.csv", "bob")
    assert e.value.code == 403
