"""Fetching feeds and pages from a real HTTP server on 127.0.0.1: formats, politeness, and every failure named."""

import threading
import time

import pytest
from feed_server import Site, article_html, atom, huge_page, json_feed, never_finishes, redirect_to, rss

from assistant.faces.cli import main
from assistant.fetching.feed_list import Feed
from assistant.fetching.fetch_run import fetch_feeds
from assistant.fetching.polite_http import Limits
from assistant.reading.folder import read_folder

pytestmark = pytest.mark.slow  # starts HTTP servers (quick ones: about ten seconds for the module)

DAY = "Tue, 04 Mar 2025 08:00:00 GMT"


def paragraphs(topic: str, n: int = 4) -> list[str]:
    return [
        f"The {topic} was the subject of a long council meeting on Tuesday, paragraph {i}, where members "
        f"debated its cost, its schedule and what residents had said about the {topic} at public hearings."
        for i in range(n)
    ]


@pytest.fixture
def site():
    site = Site().start()
    yield site
    site.stop()


def publish(site: Site, path: str, title: str, topic: str, outlet: str = "Valley Courier", day: str = "2025-03-04"):
    site.put(path, article_html(title, paragraphs(topic), outlet, day))
    return site.url + path


def run(tmp_path, feeds, **limits):
    return fetch_feeds(
        feeds, tmp_path / "seeds", tmp_path / "index", Limits(**{"timeout_s": 5, "backoff_s": 0.05, **limits})
    )


def test_rss_atom_and_json_feed_items_become_article_files(site, tmp_path):
    a = publish(site, "/a/tram.html", "Tram line opens to the harbour", "tram line", "Harbour Post")
    b = publish(site, "/b/library.html", "Library extends its hours", "library", "Atom Herald", "2025-03-05")
    c = publish(site, "/c/park.html", "Park gets new playground", "playground", "Json Gazette", "2025-03-06")
    site.put("/rss.xml", rss("Harbour Post", [("Tram line opens", a, DAY, "The tram")]), "application/rss+xml")
    site.put("/atom.xml", atom("Atom Herald", [("Library hours", b, "2025-03-05T09:00:00Z")]), "application/atom+xml")
    site.put(
        "/feed.json", json_feed("Json Gazette", [("Playground", c, "2025-03-06T10:00:00Z")]), "application/feed+json"
    )
    feeds = [
        Feed("post", site.url + "/rss.xml"),
        Feed("herald", site.url + "/atom.xml"),
        Feed("gazette", site.url + "/feed.json"),
    ]

    report = run(tmp_path, feeds)

    assert report.failures == [] and len(report.new) == 3, report
    assert sorted(p.split("/")[1] for p in report.new) == ["gazette", "herald", "post"]
    articles = {a.url: a for a in read_folder(tmp_path / "seeds").articles}
    assert set(articles) == {a, b, c}
    tram = articles[a]
    assert tram.title == "Tram line opens to the harbour" and tram.source == "Harbour Post"
    assert str(tram.published) == "2025-03-04" and tram.authors == ("Staff Reporter",)
    assert "council meeting" in tram.text and "Copyright" not in tram.text and "Home" not in tram.text
    assert tram.path.startswith("feeds/post/")
    assert all(agent.startswith("news-assistant/") for agent in site.agents)


def test_second_fetch_costs_one_304_per_feed_and_nothing_is_downloaded_again(site, tmp_path):
    a = publish(site, "/a.html", "Tram line opens to the harbour", "tram line")
    b = publish(site, "/b.html", "Library extends its hours", "library")
    site.put("/rss.xml", rss("Post", [("Tram", a, DAY, "x"), ("Library", b, DAY, "y")]), "application/rss+xml")
    site.put("/feed.json", json_feed("Gazette", [("Tram", a, "2025-03-04T08:00:00Z")]), "application/feed+json")
    feeds = [Feed("post", site.url + "/rss.xml"), Feed("gazette", site.url + "/feed.json")]
    first = run(tmp_path, feeds)
    assert len(first.new) == 2 and first.known == 1 and first.failures == []  # the tram page once, for both feeds
    pages_before = site.hits["/a.html"] + site.hits["/b.html"]
    assert pages_before == 2

    second = run(tmp_path, feeds)

    assert second.unchanged_feeds == 2 and second.new == [] and second.updated == [] and second.failures == []
    assert site.not_modified["/rss.xml"] == 1 and site.not_modified["/feed.json"] == 1
    assert site.hits["/a.html"] + site.hits["/b.html"] == pages_before  # nothing re-downloaded
    assert second.requests == 3  # robots.txt (once per site per run) and one conditional GET per feed
    assert "unchanged (304)" in second.summary()


def test_every_failure_is_named_and_none_stops_the_others(site, tmp_path):
    good = publish(site, "/ok.html", "Bridge reopens after repair", "bridge")
    big = huge_page(50)
    site.routes["/loop1.html"] = redirect_to("/loop2.html")
    site.routes["/loop2.html"] = redirect_to("/loop1.html")
    site.routes["/slow.html"] = never_finishes
    site.routes["/huge.html"] = big
    site.put("/report.pdf", b"%PDF-1.4 not a web page", "application/pdf")
    items = [
        ("Good", good, DAY, ""),
        ("Loop", site.url + "/loop1.html", DAY, ""),
        ("Slow", site.url + "/slow.html", DAY, ""),
        ("Huge", site.url + "/huge.html", DAY, ""),
        ("Pdf", site.url + "/report.pdf", DAY, ""),
    ]
    site.put("/rss.xml", rss("Post", items), "application/rss+xml")
    site.put("/broken.xml", b"<?xml version='1.0'?><rss><channel><title>B</title><item><title>x", "application/rss+xml")
    closed = Site().start()
    gone = closed.url + "/feed.xml"
    closed.stop()  # nothing listens there any more
    feeds = [Feed("post", site.url + "/rss.xml"), Feed("broken", site.url + "/broken.xml"), Feed("gone", gone)]

    report = run(tmp_path, feeds, timeout_s=1.5, max_bytes=2 * 1024 * 1024, retries=1)

    reasons = {f.url.removeprefix(site.url): (f.feed, f.reason) for f in report.failures}
    assert reasons["/loop1.html"][1].startswith("redirect loop")
    assert reasons["/slow.html"][1].startswith("timed out")
    assert reasons["/huge.html"][1].startswith("too big")
    assert reasons["/report.pdf"][1] == "not an article: content type application/pdf"
    assert (
        reasons["/broken.xml"] == ("broken", reasons["/broken.xml"][1]) and "malformed XML" in reasons["/broken.xml"][1]
    )
    assert reasons[gone][0] == "gone" and reasons[gone][1].startswith("cannot connect")
    assert len(report.failures) == 6
    assert [p.split("/")[-1].split("-")[0] for p in report.new] == ["bridge"]  # the good item all the same
    assert big.sent and big.sent[0] < 10 * 1024 * 1024  # the server was stopped long before 50 MB


def test_fetch_exit_status_says_whether_anything_failed(site, tmp_path, capsys):
    where = ["--seeds", str(tmp_path / "seeds"), "--index", str(tmp_path / "index")]
    good = publish(site, "/ok.html", "Bridge reopens after repair", "bridge")
    site.put("/rss.xml", rss("Post", [("Good", good, DAY, "")]), "application/rss+xml")
    site.put("/pdf.xml", rss("Docs", [("Pdf", site.url + "/x.pdf", DAY, "")]), "application/rss+xml")
    site.put("/x.pdf", b"%PDF", "application/pdf")
    assert main(["fetch", *where]) == 0 and "No feeds" in capsys.readouterr().out
    assert main(["feeds", "add", site.url + "/rss.xml", "--name", "post", *where]) == 0
    assert main(["fetch", *where]) == 0
    assert "1 new article(s)" in capsys.readouterr().out
    assert main(["feeds", "add", site.url + "/pdf.xml", "--name", "docs", *where]) == 0
    assert main(["fetch", *where]) == 3
    err = capsys.readouterr().err
    assert f"docs: {site.url}/x.pdf: not an article: content type application/pdf" in err


def test_feeds_add_list_remove(tmp_path, capsys):
    where = ["--index", str(tmp_path / "index")]
    assert main(["feeds", "add", "https://www.example.org/rss", *where]) == 0
    assert main(["feeds", "add", "https://news.example.net/atom.xml", "--name", "net-news", *where]) == 0
    assert main(["feeds", "add", "https://www.example.org/rss", *where]) == 1  # already followed
    assert main(["feeds", "add", "file:///etc/passwd", *where]) == 1
    capsys.readouterr()
    assert main(["feeds", "list", *where]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "example-org\thttps://www.example.org/rss",
        "net-news\thttps://news.example.net/atom.xml",
    ]
    assert main(["feeds", "remove", "example-org", *where]) == 0
    assert main(["feeds", "remove", "example-org", *where]) == 1
    main(["feeds", "list", *where])
    assert capsys.readouterr().out.strip().endswith("net-news\thttps://news.example.net/atom.xml")


def test_robots_txt_retries_and_the_per_host_limit(site, tmp_path):
    site.put("/robots.txt", "User-agent: news-assistant\nDisallow: /private/\n", "text/plain")
    hidden = publish(site, "/private/memo.html", "Internal memo", "memo")
    flaky_page = publish(site, "/flaky.html", "Harbour ferry resumes", "ferry")
    calls = {"n": 0}
    original = site.routes["/flaky.html"]

    def flaky(h):
        calls["n"] += 1
        if calls["n"] == 1:  # one 503, then the page: a retry after a backoff gets it
            h.send_response(503)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        kind, body = original
        h.send_response(200)
        h.send_header("Content-Type", kind)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    site.routes["/flaky.html"] = flaky
    inflight, peak, lock = [0], [0], threading.Lock()

    def slow_page(path):
        kind, body = site.routes[path]

        def handle(h):
            with lock:
                inflight[0] += 1
                peak[0] = max(peak[0], inflight[0])
            time.sleep(0.3)
            with lock:
                inflight[0] -= 1
            h.send_response(200)
            h.send_header("Content-Type", kind)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)

        return handle

    many = []
    for i in range(6):
        url = publish(site, f"/many{i}.html", f"Story number {i} of the week", f"story {i}")
        site.routes[f"/many{i}.html"] = slow_page(f"/many{i}.html")
        many.append((f"S{i}", url, DAY, ""))
    items = [("Memo", hidden, DAY, ""), ("Ferry", flaky_page, DAY, ""), *many]
    site.put("/rss.xml", rss("Post", items), "application/rss+xml")

    report = run(tmp_path, [Feed("post", site.url + "/rss.xml")], per_host=2)

    assert [(f.url, f.reason) for f in report.failures] == [
        (hidden, f"robots.txt of {site.url.removeprefix('http://')} disallows /private/memo.html")
    ]
    assert site.hits["/private/memo.html"] == 0 and site.hits["/robots.txt"] == 1
    assert site.hits["/flaky.html"] == 2 and len(report.new) == 7
    assert peak[0] == 2  # six slow pages, never more than two at once


def test_add_fetches_single_pages_into_seeds_pages(site, tmp_path, capsys):
    where = ["--seeds", str(tmp_path / "seeds"), "--index", str(tmp_path / "index")]
    good = publish(site, "/story.html", "Harbour ferry resumes service", "ferry")
    assert main(["add", good, site.url + "/missing.html", *where]) == 3
    out, err = capsys.readouterr()
    assert "saved    pages/harbour-ferry-resumes-service-" in out
    assert f"pages: {site.url}/missing.html: HTTP 404" in err
    (article,) = read_folder(tmp_path / "seeds").articles
    assert article.url == good and article.title == "Harbour ferry resumes service"
    assert main(["add", "ftp://example.org/x", *where]) == 1  # not http(s): refused before anything is fetched


def test_a_feed_followed_from_the_window_is_never_fetched_from_a_private_address(site, tmp_path):
    from assistant.core import Assistant
    from assistant.faces.chat import ChatApp
    from assistant.fetching.feed_list import feeds_path, load_feeds

    page = publish(site, "/ok.html", "Bridge reopens after repair", "bridge")
    site.put("/rss.xml", rss("Post", [("Good", page, DAY, "")]), "application/rss+xml")
    index = tmp_path / "index"
    window = ChatApp(Assistant(seeds_dir=tmp_path / "seeds", index_dir=index, embedder=object()))
    for url in (site.url + "/rss.xml", "http://localhost/feed", "http://169.254.169.254/latest", "http://10.0.0.8/rss"):
        assert window.follow(url).startswith("**Not followed:**"), url
    assert "loopback address &#40;127.0.0.1&#41;" in window.follow(site.url + "/rss.xml")  # escaped for Markdown
    assert "link-local" in window.follow("http://169.254.169.254/latest")
    assert "private" in window.follow("http://10.0.0.8/rss")
    assert load_feeds(feeds_path(index)) == []

    # A feed saved as added from the window (say, a name that resolved to a public address then):
    # every fetch checks again, so it is not fetched from 127.0.0.1 now.
    feed = Feed("post", site.url + "/rss.xml", public_only=True)
    report = fetch_feeds([feed], tmp_path / "seeds", index, Limits(timeout_s=5))
    assert [f.reason for f in report.failures] == [
        "127.0.0.1 is a loopback address (127.0.0.1); set fetch_allow_private to allow it"
    ]
    assert site.hits["/rss.xml"] == 0 and site.hits["/robots.txt"] == 0

    # The setting lets the window follow a local feed, fetched like any other.
    allowed = ChatApp(
        Assistant(seeds_dir=tmp_path / "seeds", index_dir=index, embedder=object(), fetch_allow_private="true")
    )
    assert allowed.follow(site.url + "/rss.xml").startswith("Following ")
    (followed,) = load_feeds(feeds_path(index))
    assert followed.public_only is False
    assert len(fetch_feeds([followed], tmp_path / "seeds", index).new) == 1


def test_a_name_that_resolves_elsewhere_once_checked_is_refused_at_the_connection(site, tmp_path, monkeypatch):
    # DNS rebinding: the window's feed names a host that resolves to a public address when it is
    # checked and to 127.0.0.1 when the connection is made. Simulated by letting the check pass.
    import assistant.fetching.polite_http as polite_http

    page = publish(site, "/ok.html", "Bridge reopens after repair", "bridge")
    site.put("/rss.xml", rss("Post", [("Good", page, DAY, "")]), "application/rss+xml")
    monkeypatch.setattr(polite_http, "private_address", lambda url: "")
    feed = Feed("post", site.url + "/rss.xml", public_only=True)
    report = fetch_feeds([feed], tmp_path / "seeds", tmp_path / "index", Limits(timeout_s=5))
    assert [f.reason for f in report.failures] == [
        "127.0.0.1 connected to a loopback address (127.0.0.1); set fetch_allow_private to allow it"
    ]
    assert report.new == [] and not list((tmp_path / "seeds").rglob("*.*"))
    assert site.hits["/rss.xml"] == 0  # robots.txt was asked for, its answer refused, and nothing after it
