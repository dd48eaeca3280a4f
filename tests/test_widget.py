"""The widget as an intranet uses it, in real chromium.

One module-scoped setup plays a whole deployment: the app (allowed origin configured, root
path /assistant) behind a reverse proxy on a sub-path, and a plain static web server on
another loopback origin serving examples/intranet.html, which frames the widget. The shared
`app_server` (default settings: same origin only) plays an app that does not allow it.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import REPO_ROOT, start_app, start_proxy, start_static, stop
from tests.test_browser import ANSWER_TIMEOUT_MS, CEASEFIRE, SEED_TEXT, check_citations

INTRANET = REPO_ROOT / "examples" / "intranet.html"
DEFAULT_URL = "http://127.0.0.1:7860"  # what the example page points at
IMG = REPO_ROOT / "docs" / "img"
OBAMA = "What did Obama say about Russia?"


def headers_of(url: str) -> dict[str, str]:
    with urllib.request.urlopen(url, timeout=30) as r:
        return {k.lower(): v for k, v in r.headers.items()}


def ask_in(scope, question: str):
    """Ask in a page or frame; the final answer's bot message (div.answer rendered)."""
    box = scope.locator("#question textarea")
    box.wait_for(state="visible")
    before = scope.locator("#chat .answer").count()
    box.fill(question)
    box.press("Enter")
    scope.locator("#chat .answer").nth(before).wait_for(timeout=ANSWER_TIMEOUT_MS)
    return scope.locator('#chat [data-testid="bot"]').last


def open_first_citation(msg) -> str:
    """Click the first [n]; its card opens with the cited sentence highlighted: the text."""
    first = msg.locator("a.cite").first
    card = msg.locator(first.get_attribute("href"))
    first.click()
    card.locator("mark").wait_for(state="visible", timeout=5_000)
    assert card.evaluate("e => e.closest('details.source').open") is True
    return card.locator("mark").inner_text().strip()


@pytest.fixture(scope="module")
def deployment(seed_index, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("intranet")
    site = tmp / "site"
    site.mkdir()
    procs = []
    try:
        # The intranet's origin first: the app must be told which origin it may trust.
        intranet_origin, proc = start_static(site, tmp)
        procs.append(proc)
        app, proc = start_app(seed_index, tmp, {"ASSISTANT_ALLOWED_ORIGINS": intranet_origin,
                                                "ASSISTANT_ROOT_PATH": "/assistant"})
        procs.append(proc)
        proxy_origin, proc = start_proxy(app, "/assistant", tmp)
        procs.append(proc)
        public = proxy_origin + "/assistant"
        (site / "intranet.html").write_text(INTRANET.read_text().replace(DEFAULT_URL, public))
        yield SimpleNamespace(intranet=intranet_origin, public=public, app=app, site=site)
    finally:
        for proc in reversed(procs):
            stop(proc)


def write_page(site: Path, name: str, body: str) -> str:
    (site / name).write_text(f"<!doctype html><meta charset=utf-8><title>{name}</title>{body}")
    return name


# -- the widget page -----------------------------------------------------------------------


@pytest.mark.browser
def test_widget_streams_a_cited_answer(page, app_server):
    page.goto(app_server + "/widget", wait_until="domcontentloaded")
    assert page.url.endswith("/widget/")
    page.locator("#question textarea").wait_for(state="visible")
    # Compact: no tabs, no admin, no articles.
    assert page.get_by_role("tab").count() == 0
    assert page.locator("#admin-panel, #articles-table, #upload-files").count() == 0
    # Record every version of the bot's message: a streamed answer shows drafts first.
    page.evaluate("""() => {
        window.__versions = new Set();
        new MutationObserver(() => document.querySelectorAll('#chat [data-testid="bot"]')
            .forEach(m => window.__versions.add(m.innerText))).observe(document.body,
            {subtree: true, childList: true, characterData: true});
    }""")
    msg = ask_in(page, CEASEFIRE)
    check_citations(msg)
    assert open_first_citation(msg) in SEED_TEXT
    assert page.evaluate("window.__versions.size") >= 2, "the answer arrived in one piece"
    assert "#" not in page.url


# -- embedded in an intranet page on another origin --------------------------------------------


@pytest.mark.browser
def test_intranet_page_embeds_the_widget_and_chats_through_it(page, deployment):
    h = headers_of(deployment.public + "/widget/")
    assert f"frame-ancestors 'self' {deployment.intranet}" in h["content-security-policy"]
    assert "x-frame-options" not in h  # it would forbid the allowed origin in old browsers

    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(deployment.intranet + "/intranet.html", wait_until="domcontentloaded")
    frame = page.frame_locator("#assistant")
    msg = ask_in(frame, OBAMA)
    check_citations(msg)
    highlighted = open_first_citation(msg)
    assert highlighted in SEED_TEXT
    # The widget really is the app behind the proxy's sub-path, on another origin.
    widget = next(f for f in page.frames if f.url.startswith(deployment.public + "/widget"))
    assert widget.evaluate("location.origin") != deployment.intranet
    assert "#" not in page.url

    IMG.mkdir(parents=True, exist_ok=True)
    page.locator("#assistant").screenshot(path=str(IMG / "widget.png"))
    page.screenshot(path=str(IMG / "intranet.png"))


@pytest.mark.browser
def test_allowed_origin_may_call_the_api_and_others_may_not(page, deployment, app_server):
    page.goto(deployment.intranet + "/intranet.html", wait_until="domcontentloaded")
    call = """async (url) => { try { const r = await fetch(url); return [r.status,
        (await r.json()).hits.length]; } catch (e) { return String(e); } }"""
    status, hits = page.evaluate(call, deployment.public + "/api/search?q=Obama&k=2")
    assert status == 200 and hits >= 1
    refused = page.evaluate(call, app_server + "/api/search?q=Obama&k=2")
    assert "Failed to fetch" in refused  # CORS: this origin is not allowed there


@pytest.mark.browser
def test_disallowed_origin_cannot_frame_the_widget(page, deployment, app_server):
    h = headers_of(app_server + "/widget/")
    assert "frame-ancestors 'self';" in h["content-security-policy"]
    assert h["x-frame-options"] == "SAMEORIGIN"

    refusals = []
    page.on("console", lambda m: refusals.append(m.text) if "frame-ancestors" in m.text else None)
    name = write_page(deployment.site, "foreign.html",
                      f'<iframe id="assistant" src="{app_server}/widget/" width="400" '
                      'height="500"></iframe>')
    page.goto(f"{deployment.intranet}/{name}", wait_until="load")
    page.wait_for_function("() => true")  # let the console message arrive
    frame = page.locator("#assistant").element_handle().content_frame()
    # Chromium replaces a refused frame with its own error page: nothing of the app runs.
    assert frame is None or not frame.url.startswith(app_server), frame.url
    if frame is not None:
        assert frame.locator("#question").count() == 0
    assert refusals, "chromium did not report the frame-ancestors refusal"


@pytest.mark.browser
def test_web_component_embeds_the_widget(page, deployment):
    """The other documented embed: Gradio's <gradio-app> web component (from the app's own
    origin: the component loads its stylesheet from /assets at the root of that origin)."""
    # An intranet layout: a menu beside, a heading above; the component in the main column.
    name = write_page(deployment.site, "component.html",
                      f'<script type="module" src="{deployment.app}/widget/gradio.js"></script>'
                      '<div style="display:flex;gap:12px"><nav style="width:200px">Menu</nav>'
                      '<main id="main" style="flex:1"><h1>Intranet news</h1>'
                      f'<gradio-app src="{deployment.app}/widget/"></gradio-app></main></div>')
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.set_viewport_size({"width": 1000, "height": 800})
    page.goto(f"{deployment.intranet}/{name}", wait_until="domcontentloaded")
    component = page.locator("gradio-app")
    component.locator("#question textarea").wait_for(state="visible")
    # From the first paint: as wide as its column, and the question box in view.
    main, app = page.locator("#main").bounding_box(), component.bounding_box()
    assert abs(app["width"] - main["width"]) <= 2, (app, main)
    question = component.locator("#question").bounding_box()
    assert question["y"] + question["height"] <= 800, question
    page.screenshot(path=str(IMG / "component.png"))
    msg = ask_in(component, OBAMA)
    check_citations(msg)
    assert open_first_citation(msg) in SEED_TEXT
    assert not failed, failed


def test_widget_and_api_work_under_the_proxy_sub_path(deployment):
    """Behind the proxy every URL the app writes carries /assistant."""
    with urllib.request.urlopen(deployment.public + "/widget/config", timeout=30) as r:
        config = json.load(r)
    assert config["root"] == deployment.public + "/widget"
    with urllib.request.urlopen(deployment.public + "/docs", timeout=30) as r:
        assert "/assistant/openapi.json" in r.read().decode()
    req = urllib.request.Request(deployment.public + "/api/ask", method="POST",
                                 data=json.dumps({"question": OBAMA}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        assert json.load(r)["citations"]
