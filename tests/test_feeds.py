"""News sources: RSS/Atom feeds and sitemaps, polled with conditional requests and backoff,
and fetching that refuses to reach inside the network.

Every server here is a real HTTP server on loopback that the test starts (testkit/news_site);
loopback is refused by default, so the tests let 127.0.0.1 through with ASSISTANT_FETCH_ALLOW
exactly as an intranet lets its own feed servers through. Redirects to other addresses are
refused before any connection is made: no test contacts anything but its own servers.
"""

from __future__ import annotations

import time

import pytest

from assistant.config import get_settings
from assistant.core import Assistant
from assistant.errors import ConfigError, LoadError
from assistant.feeds import FeedRegistry
from assistant.ingest.fetch import Fetcher
from testkit.news_site import NewsSite, atom, page, rss, sitemap, sitemap_index
from tests.test_live_corpus import cli

LOOPBACK = "127.0.0.1"


def story(town: str, extra: str = "") -> list[str]:
    """Three paragraphs about one town's harbour (a page trafilatura keeps as an article)."""
    return [f"The harbour of {town} reopened on Monday after a week of storms had closed it "
            f"to all shipping traffic, the port authority said in a statement.",
            f"Mayor Jo Park of {town} said the repairs cost two million euros and took six "
            f"days of work by crews from three neighbouring towns. {extra}".strip(),
            f"Ferries to the islands off {town} resume their winter timetable on Tuesday, "
            f"and fishing boats were already leaving at dawn."]


@pytest.fixture
def site():
    s = NewsSite().start()
    yield s
    s.stop()


@pytest.fixture
def assistant(tmp_path):
    return Assistant(get_settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data",
                                  fetch_allow=LOOPBACK, fetch_timeout=5))


def publish(site: NewsSite, towns: list[str], when: dict[str, str] | None = None,
            extra: dict[str, str] | None = None, more: list[dict] | None = None) -> str:
    """A page per town and an RSS feed listing them (and the items `more`): its URL."""
    items = list(more or [])
    for town in towns:
        path = f"/2026/11/30/{town.lower()}"
        site.put(path, page(f"{town} harbour reopens", story(town, (extra or {}).get(town, "")),
                            canonical=site.url(path), author="Ann Lee", site_name="Port News"))
        items.append({"title": f"{town} harbour reopens", "link": site.url(path),
                      "published": (when or {}).get(town, "Mon, 30 Nov 2026 09:00:00 GMT"),
                      "description": " ".join(story(town, (extra or {}).get(town, "")))})
    return site.put("/feed.xml", rss("Port News", items), "application/rss+xml")


# -- safe fetching -----------------------------------------------------------------------------


def test_internal_addresses_are_refused_unless_allowed(site):
    url = site.put("/a", page("A", story("Ava")))
    with pytest.raises(LoadError, match=r"refused: 127\.0\.0\.1 is a loopback address .*"
                                        r"ASSISTANT_FETCH_ALLOW"):
        Fetcher().get(url)
    with pytest.raises(LoadError, match="localhost resolves to 127.0.0.1, a loopback"):
        Fetcher().get(url.replace(LOOPBACK, "localhost"))
    for allow in (["127.0.0.1"], ["127.0.0.0/8"], ["localhost"]):
        target = url.replace(LOOPBACK, "localhost") if allow == ["localhost"] else url
        assert Fetcher(allow).get(target).status == 200
    # every kind of internal address, checked before any connection is attempted
    for address, kind in (("10.1.2.3", "a private"), ("192.168.0.1", "a private"),
                          ("169.254.169.254", "the cloud metadata"), ("[::1]", "a loopback"),
                          ("224.0.0.1", "a multicast"), ("0.0.0.0", "an unspecified"),
                          ("[fe80::1]", "a link-local"), ("100.64.0.1", "not a public"),
                          ("[::ffff:127.0.0.1]", "a loopback")):
        with pytest.raises(LoadError, match=f"refused: .* {kind}"):
            Fetcher([]).get(f"http://{address}/latest/meta-data")
    for bad, why in (("file:///etc/passwd", "only http and https"),
                     ("ftp://example.com/x", "only http and https"),
                     ("http:///nohost", "no host")):
        with pytest.raises(LoadError, match=why):
            Fetcher().get(bad)
    assert site.hits["/a"] == 3  # only the allowed fetches reached the server


def test_every_redirect_is_checked_again(site):
    site.redirect("/to-metadata", "http://169.254.169.254/latest/meta-data/")
    site.redirect("/to-private", "http://10.0.0.7/admin")
    site.redirect("/loop", "/loop")
    site.put("/final", page("Final", story("Bree")))
    site.redirect("/to-final", "/final")
    fetcher = Fetcher([LOOPBACK], max_redirects=3)
    with pytest.raises(LoadError, match=r"redirect to http://169\.254\.169\.254/.*: refused: "
                                        r".*cloud metadata"):
        fetcher.get(site.url("/to-metadata"))
    with pytest.raises(LoadError, match="redirect to http://10.0.0.7/admin: refused"):
        fetcher.get(site.url("/to-private"))
    with pytest.raises(LoadError, match="more than 3 redirects"):
        fetcher.get(site.url("/loop"))
    got = fetcher.get(site.url("/to-final"))
    assert got.final_url == site.url("/final") and b"Bree" in got.body


def test_slow_huge_and_missing_answers_fail_with_their_reason(site):
    fetcher = Fetcher([LOOPBACK], timeout=1.5, max_bytes=200_000)
    t0 = time.monotonic()
    with pytest.raises(LoadError, match="timed out after 1.5 s"):
        fetcher.get(site.url("/slow?every=0.2"))  # bytes keep coming, too slowly
    assert time.monotonic() - t0 < 5
    with pytest.raises(LoadError, match="too large"):
        fetcher.get(site.url("/huge"))  # endless, no Content-Length
    site.put("/big", "x" * 300_000)
    with pytest.raises(LoadError, match=r"too large \(0\.3 MB"):  # refused by its header
        fetcher.get(site.url("/big"))
    with pytest.raises(LoadError, match="HTTP 404 Not Found"):
        fetcher.get(site.url("/nothing-here"))


def test_fetch_settings_are_validated():
    assert get_settings(fetch_allow="feeds.intranet, 10.1.0.0/16,.corp").fetch_allow_list == [
        "feeds.intranet", "10.1.0.0/16", ".corp"]
    with pytest.raises(ConfigError, match="ASSISTANT_FETCH_ALLOW: 'http://x' is not a host"):
        get_settings(fetch_allow="http://x")
    assert get_settings(feed_every="2h").feed_every_seconds == 7200
    with pytest.raises(ConfigError, match="ASSISTANT_FEED_EVERY: '10s' is under a minute"):
        get_settings(feed_every="10s")
    with pytest.raises(ConfigError, match="not an interval"):
        get_settings(feed_every="often")


# -- feeds and sitemaps as sources ---------------------------------------------------------


def test_a_feed_url_ingests_every_item_with_utc_dates_and_the_feeds_text_as_fallback(
        site, assistant):
    # pages that are gone: the feed's own text stands in, unless it is a mere teaser
    gone = [{"title": "Cole harbour reopens", "link": site.url("/gone/cole"),
             "description": " ".join(story("Cole"))},
            {"title": "Teaser only", "link": site.url("/gone/teaser"), "description": "Short."}]
    feed = publish(site, ["Ava", "Bree"], more=gone,
                   when={"Bree": "Mon, 30 Nov 2026 23:30:00 -0500"})  # Dec 1 in UTC
    report = assistant.ingest([feed], progress=False)
    assert len(report.added) == 3, report
    infos = {i.title: i for i in assistant.articles()}
    assert infos["Ava harbour reopens"].published == "2026-11-30"
    assert infos["Bree harbour reopens"].published == "2026-12-01"
    assert infos["Ava harbour reopens"].authors == ["Ann Lee"]
    assert infos["Ava harbour reopens"].outlet == "Port News"
    assert infos["Ava harbour reopens"].url == site.url("/2026/11/30/ava")
    assert "the feed's text" in infos["Cole harbour reopens"].source
    assert infos["Cole harbour reopens"].published == ""  # no date anywhere: none, not today
    [(where, why)] = report.errors
    assert where == site.url("/gone/teaser") and "HTTP 404" in why
    answer = assistant.ask("What did the repairs in Bree's harbour cost?")
    assert "two million euros" in answer.answer
    assert any(c.title == "Bree harbour reopens" for c in answer.citations)


RSS_1_0 = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://example.test/"><title>RDF News</title></channel>
<item rdf:about="{link}"><title>Gwen harbour reopens</title><link>{link}</link>
<dc:date>2026-11-26T22:00:00-08:00</dc:date></item></rdf:RDF>"""


def test_atom_rss_1_0_sitemaps_and_a_sitemap_index(site, assistant):
    link = site.put("/news/gwen", page("Gwen harbour reopens", story("Gwen")))
    site.put("/rdf.xml", RSS_1_0.format(link=link), "application/rdf+xml")
    for town in ("Dale", "Esk", "Fay"):
        site.put(f"/news/{town.lower()}", page(f"{town} harbour reopens", story(town)))
    site.put("/atom.xml", atom("Atom News", [{
        "title": "Dale harbour reopens", "link": site.url("/news/dale"),
        "updated": "2026-11-29T08:00:00Z", "author": "Bo Chen"}]), "application/atom+xml")
    site.put("/sitemap-1.xml", sitemap([(site.url("/news/esk"), "2026-11-28")]), "text/xml")
    site.put("/sitemap-2.xml", sitemap([(site.url("/news/fay"), "2026-11-27T10:00:00+02:00")]),
             "application/xml")
    site.put("/sitemap.xml", sitemap_index([site.url("/sitemap-1.xml"),
                                            site.url("/sitemap-2.xml"),
                                            site.url("/missing.xml")]), "application/xml")
    report = assistant.ingest([site.url("/atom.xml"), site.url("/sitemap.xml"),
                               site.url("/rdf.xml")], progress=False)
    dates = {i.title: i.published for i in assistant.articles()}
    assert dates == {"Dale harbour reopens": "2026-11-29", "Esk harbour reopens": "2026-11-28",
                     "Fay harbour reopens": "2026-11-27",
                     "Gwen harbour reopens": "2026-11-27"}  # 22:00 -08:00 is the 27th, UTC
    assert [e[0] for e in report.errors] == [site.url("/missing.xml")]


def test_html_served_as_a_feed_is_a_page_and_is_refused_as_a_feed(site, assistant):
    url = site.put("/looks-like-a-feed", page("Gale harbour reopens", story("Gale")),
                   "application/rss+xml")  # a wrong content type: the document decides
    assert assistant.ingest([url], progress=False).added
    with pytest.raises(LoadError, match="not a feed or sitemap"):
        assistant.add_feed(url)
    with pytest.raises(LoadError, match="HTTP 404"):
        assistant.add_feed(site.url("/no-feed.xml"))
    # feedparser is lenient (a broken feed's readable items are kept); nothing readable is not
    broken = site.put("/broken.xml", "<rss><channel><title>x</ti", "application/rss+xml")
    with pytest.raises(LoadError, match="not a readable feed"):
        assistant.add_feed(broken)
    assert assistant.list_feeds() == []


# -- polling -----------------------------------------------------------------------------------


def test_polls_fetch_only_what_is_new_or_changed(site, assistant):
    feed = publish(site, ["Hale", "Iona"])
    assistant.add_feed(feed)
    first = assistant.poll_feed(feed)
    assert len(first["added"]) == 2 and first["fetched"] == 2
    pages = dict(site.hits)

    # unchanged: the publisher answers 304 to our ETag, no page is asked for again
    again = assistant.poll_feed(feed)
    assert again["status"] == "not modified" and site.conditional["/feed.xml"] == 1
    # a publisher that ignores ETags: the feed is read, but no page is fetched again
    site.etags = False
    again = assistant.poll_feed(feed)
    assert again["status"] == "ok" and again["fetched"] == 0 and not again["added"]
    assert {p: n for p, n in site.hits.items() if p != "/feed.xml"} == {
        p: n for p, n in pages.items() if p != "/feed.xml"}

    # a correction (the entry changed) and a new item
    publish(site, ["Hale", "Iona", "Jura"], extra={"Iona": "The mayor later corrected the "
                                                           "cost to three million euros."})
    changed = assistant.poll_feed(feed)
    assert changed["fetched"] == 2  # Iona again, Jura new; Hale untouched
    assert len(changed["added"]) == 1 and len(changed["updated"]) == 1
    assert len(assistant.articles()) == 3
    [hit] = assistant.search("mayor corrected the cost of Iona's repairs", k=1)
    assert "corrected the cost to three million euros" in hit.text  # the new version, only
    assert assistant.store.counts()[1] == sum(i.chunks for i in assistant.articles())
    [info] = assistant.list_feeds()
    assert (info.new_items, info.items, info.failures, info.title) == (2, 3, 0, "Port News")


def test_a_failing_feed_backs_off_and_says_why(site, assistant):
    feed = publish(site, ["Kell"])
    assistant.add_feed(feed, every=600)
    del site.docs["/feed.xml"]
    for n in (1, 2):
        result = assistant.poll_feed(feed)
        assert result["status"] == "failed" and "HTTP 404" in result["error"]
        [info] = assistant.list_feeds()
        assert info.failures == n and "HTTP 404" in info.last_error
        # the interval doubles per failure in a row
        assert info.next_poll - info.last_poll == pytest.approx(600 * 2 ** n, abs=2)
    publish(site, ["Kell"])
    assert assistant.poll_feed(feed)["status"] == "ok"
    [info] = assistant.list_feeds()
    assert info.failures == 0 and info.last_error == ""
    assert info.next_poll - info.last_poll == pytest.approx(600, abs=2)


def test_the_scheduler_submits_due_feeds_once_and_releases_lost_jobs(tmp_path):
    from assistant.feeds import FeedScheduler
    from assistant.types import Job

    registry = FeedRegistry(tmp_path)
    registry.add("http://feeds.test/a.xml", 900)
    registry.add("http://feeds.test/b.xml", 900)
    jobs: dict[str, Job] = {}

    def submit(kind, args):
        job = Job(id=f"j{len(jobs)}", kind=kind, args=args)
        jobs[job.id] = job
        return job

    scheduler = FeedScheduler(registry, submit, jobs.get)
    assert sorted(scheduler.run_once()) == ["http://feeds.test/a.xml", "http://feeds.test/b.xml"]
    assert scheduler.run_once() == []  # in flight: not submitted twice
    jobs["j0"].state = "failed"  # a poll job that died without recording anything
    assert scheduler.run_once() == []
    a = registry.get("http://feeds.test/a.xml")
    assert a.job == "" and a.failures == 1 and a.next_poll > time.time() + 900


# -- the server polls ---------------------------------------------------------------------------


@pytest.mark.embedded_only
def test_the_server_polls_a_feed_and_the_cli_hands_a_poll_to_it(site, seed_index, tmp_path):
    from tests.conftest import start_app, stop
    from tests.test_live_corpus import http

    env = {"ASSISTANT_FETCH_ALLOW": LOOPBACK, "ASSISTANT_FEED_TICK": "0.3"}
    base, proc = start_app(seed_index, tmp_path, env=env)
    index = next(tmp_path.glob("index-*"))
    try:
        feed = publish(site, ["Lune"])
        added = cli("feeds", "add", feed, "--every", "1h", index=index, data=tmp_path, env=env)
        assert added.returncode == 0, added.stderr
        assert "polled every 60 min" in added.stdout
        deadline = time.monotonic() + 60  # the server's scheduler polls it on its own
        while time.monotonic() < deadline:
            status, body = http("POST", f"{base}/api/ask",
                                {"question": "What did the repairs in Lune's harbour cost?"})
            if "two million" in body.get("answer", ""):
                break
            time.sleep(0.5)
        assert "two million" in body["answer"], body
        status, listed = http("GET", f"{base}/api/feeds")
        assert status == 200 and listed["feeds"][0]["items"] == 1

        publish(site, ["Lune", "Mull"], extra={"Lune": "The cost was later corrected to "
                                                       "four million euros."})
        polled = cli("feeds", "poll", feed, index=index, data=tmp_path, env=env)
        assert polled.returncode == 0, polled.stderr
        assert "handed to" in polled.stderr and "1 new, 1 changed" in polled.stdout
        status, body = http("POST", f"{base}/api/ask",
                            {"question": "What was the cost of Lune's repairs corrected to?"})
        assert any("four million" in c["text"] or "four million" in body["answer"]
                   for c in body["citations"]), body
        status, found = http("GET", f"{base}/api/search?q=Lune+repairs+cost&k=5")
        lune = [h for h in found["hits"] if "Mayor Jo Park of Lune" in h["text"]]
        assert lune and all("four million" in h["text"] for h in lune)  # the old one is gone
        listing = cli("feeds", "list", index=index, data=tmp_path)
        assert feed in listing.stdout and "2 items" in listing.stdout

        status, body = http("POST", f"{base}/api/feeds", {"url": site.url("/2026/11/30/lune")})
        assert status == 422 and "not a feed or sitemap" in body["detail"]
        status, body = http("POST", f"{base}/api/feeds", {"url": feed, "every": "5s"})
        assert status == 422 and "under a minute" in body["detail"]
        status, health = http("GET", f"{base}/healthz")
        assert health["feeds"] == {"count": 1, "failing": []}
        status, _ = http("DELETE", f"{base}/api/feeds?url={feed}")
        assert status == 200
        assert "0 feeds" in cli("feeds", "list", index=index, data=tmp_path).stderr
    finally:
        stop(proc)


def test_the_cli_ingests_a_feed_and_says_refused_addresses_plainly(site, tmp_path):
    url = publish(site, ["Nairn"])
    index = tmp_path / "index"
    got = cli("ingest", url, index=index, data=tmp_path)
    assert got.returncode == 1
    assert "refused: 127.0.0.1 is a loopback address" in got.stderr
    got = cli("feeds", "add", url, index=index, data=tmp_path)
    assert got.returncode == 2 and "refused" in got.stderr
    # let through, the feed URL is ingested item by item
    got = cli("ingest", url, index=index, data=tmp_path, env={"ASSISTANT_FETCH_ALLOW": LOOPBACK})
    assert got.returncode == 0, got.stderr
    assert got.stdout.startswith("1 added"), got.stdout


@pytest.mark.browser
@pytest.mark.embedded_only
def test_admins_manage_feeds_in_the_articles_tab(site, seed_index, tmp_path, page):
    from tests.conftest import start_app, stop
    from tests.test_browser import open_chat

    base, proc = start_app(seed_index, tmp_path, env={"ASSISTANT_FETCH_ALLOW": LOOPBACK,
                                                      "ASSISTANT_FEED_TICK": "0.3"})
    try:
        feed = publish(site, ["Oban"])
        open_chat(page, base)
        page.get_by_role("tab", name="Articles").click()
        page.locator("#feeds-list").get_by_text("No feeds yet.").wait_for()
        page.locator("#feed-url input, #feed-url textarea").first.fill(feed)
        page.locator("#feed-every input, #feed-every textarea").first.fill("30m")
        page.locator("#add-feed").click()
        page.locator("#feed-result").get_by_text("Added Port News").wait_for()
        row = page.locator("#feeds-list tr.feed")
        assert "every 30 min" not in row.inner_text() and "30 min" in row.inner_text()
        assert feed in row.inner_text()
        # an internal address is refused with its reason, and nothing is added
        page.locator("#feed-url input, #feed-url textarea").first.fill("http://10.0.0.9/rss")
        page.locator("#add-feed").click()
        page.locator("#feed-result").get_by_text("is a private address").wait_for()
        assert page.locator("#feeds-list tr.feed").count() == 1
        # the server polls it: the article appears in the table (searched again until then)
        search = page.locator("#article-search input, #article-search textarea").first
        found = page.locator("#articles-table").get_by_text("Oban harbour reopens")
        deadline = time.monotonic() + 60
        while found.count() == 0 and time.monotonic() < deadline:
            search.fill(f"Oban {int(time.monotonic())}")
            search.fill("Oban")
            page.wait_for_timeout(700)
        assert found.count() > 0
        page.screenshot(path=str(tmp_path / "feeds.png"), full_page=True)
    finally:
        stop(proc)
