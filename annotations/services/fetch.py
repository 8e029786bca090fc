"""Fetch a news page by URL for the desk, without letting the URL reach inside our network.

A URL typed into the new-article page is attacker-controlled: it could name the metadata
service (169.254.169.254), the database, or an admin page on localhost. So the host is resolved
here, every address it resolves to must be public (`ipaddress.is_global`), and the connection
goes to the address that was checked (no second lookup an attacker could answer differently).
Redirects are followed by hand, each one checked the same way. Time and size are capped: a
page that trickles or never ends costs at most NEWSDESK_FETCH_TIMEOUT seconds and
NEWSDESK_FETCH_MAX_BYTES bytes. NEWSDESK_FETCH_ALLOW_PRIVATE lets a newsroom fetch from its own
intranet (and the tests from a local server).
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import certifi
import urllib3
from django.conf import settings

MAX_REDIRECTS = 5
USER_AGENT = "Newsdesk/1.0 (+fact-checking desk; fetches one page when an editor asks)"


class FetchError(Exception):
    """The page could not be fetched; the message says why, in words an editor can act on."""


@dataclass(frozen=True)
class FetchedPage:
    url: str  # the address the page was finally read from (after redirects)
    content: bytes
    content_type: str


def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"The host {host} could not be found ({exc}).") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _check_public(host: str, addresses: list[str]) -> None:
    if settings.NEWSDESK_FETCH_ALLOW_PRIVATE:
        return
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        mapped = getattr(address, "ipv4_mapped", None)
        if not address.is_global or (mapped is not None and not mapped.is_global):
            raise FetchError(
                f"{host} points to {text}, a private, loopback or link-local address; Newsdesk "
                "only fetches public web pages."
            )


def _get_once(url: str, deadline: float) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("Only http:// and https:// addresses can be fetched.")
    if parts.username or parts.password:
        raise FetchError("Addresses with a user name or password are not fetched.")
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = _addresses(host, port)
    _check_public(host, addresses)
    remaining = max(0.1, deadline - time.monotonic())
    timeout = urllib3.Timeout(connect=min(remaining, 5.0), read=remaining)
    pool: urllib3.HTTPConnectionPool
    if parts.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            addresses[0],
            port,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            timeout=timeout,
            retries=False,
        )
    else:
        pool = urllib3.HTTPConnectionPool(addresses[0], port, timeout=timeout, retries=False)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    limit = settings.NEWSDESK_FETCH_MAX_BYTES
    try:
        response = pool.urlopen(
            "GET",
            path,
            headers={"Host": host_header, "User-Agent": USER_AGENT, "Accept": "text/html,*/*"},
            redirect=False,
            preload_content=False,
        )
        try:
            body = bytearray()
            # read1 returns what has arrived (stream() would wait for a full chunk), so a page
            # that trickles a few bytes at a time still meets the deadline.
            while chunk := response.read1(65536):
                body.extend(chunk)
                if len(body) > limit:
                    raise FetchError(f"The page is larger than {limit:,} bytes; it was not read.")
                if time.monotonic() > deadline:
                    raise FetchError("The site took too long to send the page.")
            return response.status, dict(response.headers), bytes(body)
        finally:
            response.release_conn()
    except urllib3.exceptions.TimeoutError:
        raise FetchError("The site took too long to answer.") from None
    except urllib3.exceptions.SSLError as exc:
        raise FetchError(f"The site's certificate could not be verified ({exc}).") from None
    except urllib3.exceptions.HTTPError as exc:
        raise FetchError(f"The page could not be fetched ({type(exc).__name__}).") from None
    finally:
        pool.close()


def fetch_page(url: str) -> FetchedPage:
    """GET a public web page, following up to five redirects; raises FetchError."""
    deadline = time.monotonic() + settings.NEWSDESK_FETCH_TIMEOUT
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        status, headers, body = _get_once(current, deadline)
        lowered = {name.lower(): value for name, value in headers.items()}
        if status in (301, 302, 303, 307, 308) and lowered.get("location"):
            current = urljoin(current, lowered["location"])
            continue
        if status != 200:
            raise FetchError(f"The site answered HTTP {status} for {current}.")
        content_type = lowered.get("content-type", "")
        if content_type and "html" not in content_type and "text/plain" not in content_type:
            raise FetchError(f"The address is not a web page (it is {content_type}).")
        return FetchedPage(url=current, content=body, content_type=content_type)
    raise FetchError(f"The site redirected more than {MAX_REDIRECTS} times.")
