"""Fetching an article by URL: public pages only, bounded in time and size, against a local site."""

import time

import pytest

from annotations.services.fetch import FetchError, fetch_page
from tests.annotations.news_site import NewsSite


@pytest.fixture
def site():
    server = NewsSite()
    yield server
    server.close()


@pytest.fixture
def allow_loopback(settings):
    # The test site lives on loopback, which a real deployment refuses.
    settings.NEWSDESK_FETCH_ALLOW_PRIVATE = True


def test_fetch_reads_a_page_and_follows_a_redirect(site, allow_loopback):
    page = fetch_page(f"{site.url}/moved")
    assert page.url == f"{site.url}/harbour"
    assert b"Harbour dredging delayed again" in page.content
    assert site.requests == ["/moved", "/harbour"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost/",
        "http://[::1]/",
        "http://10.1.2.3/",
        "http://192.168.0.10/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
    ],
)
def test_fetch_refuses_private_loopback_and_link_local_addresses(url):
    with pytest.raises(FetchError, match="private, loopback or link-local"):
        fetch_page(url)


def test_fetch_refuses_a_redirect_into_the_private_network(site, settings):
    # The first hop is allowed (as a public site would be); the redirect target is checked too.
    settings.NEWSDESK_FETCH_ALLOW_PRIVATE = True
    fetch_page(f"{site.url}/harbour")
    settings.NEWSDESK_FETCH_ALLOW_PRIVATE = False
    with pytest.raises(FetchError, match="private"):
        fetch_page(f"{site.url}/to-private")
    assert site.requests == ["/harbour"]  # the loopback site itself was never contacted


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/file", "Only http:// and https://"),
        ("http://user:secret@example.org/", "user name or password"),
        ("http://no-such-host.invalid/", "could not be found"),
    ],
)
def test_fetch_refuses_what_it_cannot_fetch(url, message):
    with pytest.raises(FetchError, match=message):
        fetch_page(url)


def test_fetch_caps_the_size(site, allow_loopback, settings):
    settings.NEWSDESK_FETCH_MAX_BYTES = 200_000
    with pytest.raises(FetchError, match="larger than 200,000 bytes"):
        fetch_page(f"{site.url}/endless")


def test_fetch_gives_up_on_a_page_that_trickles(site, allow_loopback, settings):
    settings.NEWSDESK_FETCH_TIMEOUT = 1.5
    started = time.monotonic()
    with pytest.raises(FetchError, match="too long"):
        fetch_page(f"{site.url}/slow")
    assert time.monotonic() - started < 10  # the site would trickle for 30 s


@pytest.mark.parametrize(
    ("path", "message"), [("/report.pdf", "not a web page"), ("/gone", "HTTP 404")]
)
def test_fetch_refuses_what_is_not_an_article_page(site, allow_loopback, path, message):
    with pytest.raises(FetchError, match=message):
        fetch_page(f"{site.url}{path}")
