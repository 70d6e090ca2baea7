"""The one HTTP fetcher, and the SSRF guard in front of it.

A link a user pastes makes the bot's own machine open a connection, so every hop is checked: http or
https only; the host resolved here and every address it has must be public (no loopback, private,
link-local, multicast, reserved, shared or cloud-metadata address, in any IPv4 spelling or IPv6
wrapping); the connection goes to the address that was checked, not to a second lookup; redirects
are followed by hand, at most five, each one checked again; reads stop at a size cap and a deadline;
only the content types newsdesk reads are accepted.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import HTTPError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from bot.documents import CONTENT_TYPES
from bot.errors import BadInput

__all__ = ["MAX_REDIRECTS", "Fetched", "Fetcher", "is_public_address"]

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
_REDIRECTS = {301, 302, 303, 307, 308}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
Resolver = Callable[..., list[tuple[Any, ...]]]


@dataclass(frozen=True)
class Fetched:
    """A page as it arrived: the final URL after redirects, its media type and its bytes."""

    url: str
    content_type: str
    data: bytes


def is_public_address(address: str) -> bool:
    """True when an address is on the public internet, after unwrapping IPv4 inside IPv6."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            ip = embedded
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
        or ip.is_reserved or ip.is_unspecified
    )


class Fetcher:
    """Fetch a URL through the SSRF guard.

    Example:
        fetcher = Fetcher(max_bytes=5_000_000, timeout=10.0)
        page = fetcher.fetch("https://www.dawn.com/news/1737935")
    """

    def __init__(
        self,
        *,
        max_bytes: int,
        timeout: float,
        allow_private: bool = False,
        trusted_hosts: Iterable[str] = (),
        resolve: Resolver = socket.getaddrinfo,
    ) -> None:
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.allow_private = allow_private
        self.trusted_hosts = frozenset(host.lower() for host in trusted_hosts)
        self._resolve = resolve

    def fetch(self, url: str, accept: Iterable[str] = CONTENT_TYPES) -> Fetched:
        """Fetch `url`, following at most five redirects; BadInput for anything refused or broken."""
        accepted = frozenset(accept)
        deadline = time.monotonic() + self.timeout * 3
        for _ in range(MAX_REDIRECTS + 1):
            response = self._open(url)
            try:
                if response.status in _REDIRECTS:
                    location = response.headers.get("Location")
                    if not location:
                        raise BadInput(f"{_host(url)} sent a redirect with no address to follow.")
                    url = urljoin(url, location)
                    continue
                if response.status >= 400:
                    raise BadInput(f"{_host(url)} answered {response.status} for that link.")
                media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                if media not in accepted:
                    raise BadInput(f"That link is {media or 'of no declared type'}, not a web page, text or PDF.")
                return Fetched(url=url, content_type=media, data=self._read(response, url, deadline))
            finally:
                response.release_conn()
        raise BadInput(f"That link redirects more than {MAX_REDIRECTS} times, so newsdesk stopped following it.")

    def _open(self, url: str) -> urllib3.BaseHTTPResponse:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https"):
            raise BadInput("newsdesk only opens http and https links.")
        host = parts.hostname
        if not host:
            raise BadInput("That link has no host name.")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise BadInput("That link has a port number newsdesk cannot read.") from None
        address = self._checked_address(host, port)
        pool: urllib3.HTTPConnectionPool
        timeout = urllib3.Timeout(connect=self.timeout, read=self.timeout)
        if parts.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1,
                                               server_hostname=host, assert_hostname=host)
        else:
            pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        default_port = port == (443 if parts.scheme == "https" else 80)
        headers = {
            "Host": host if default_port else f"{host}:{port}",
            "User-Agent": "newsdesk/0.1 (+editorial summaries)",
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,application/pdf;q=0.8,*/*;q=0.1",
        }
        try:
            return pool.urlopen("GET", path, headers=headers, redirect=False, preload_content=False,
                                assert_same_host=False)
        except Urllib3Timeout:
            raise BadInput(f"{host} did not answer within {self.timeout:g} seconds.") from None
        except HTTPError as error:
            log.info("fetch of %s failed: %s", host, error)
            raise BadInput(f"newsdesk could not connect to {host}.") from None

    def _checked_address(self, host: str, port: int) -> str:
        """Resolve `host` once and return an address that passed the guard."""
        host = host.lower().rstrip(".")
        try:
            infos = self._resolve(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise BadInput(f"newsdesk could not find the host {host}.") from None
        addresses = [str(info[4][0]) for info in infos]
        if not addresses:
            raise BadInput(f"newsdesk could not find the host {host}.")
        trusted = host in self.trusted_hosts or f"{host}:{port}" in self.trusted_hosts
        if not (trusted or self.allow_private):
            refused = [a for a in addresses if not is_public_address(a)]
            if refused:
                log.warning("refused a link to %s (%s): not a public address", host, refused[0])
                raise BadInput(f"newsdesk does not open links to private or internal addresses ({host}).")
        return addresses[0]

    def _read(self, response: urllib3.BaseHTTPResponse, url: str, deadline: float) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise BadInput(f"That page is larger than newsdesk's limit of {self.max_bytes:,} bytes.")
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.stream(65536):
                size += len(chunk)
                if size > self.max_bytes:
                    raise BadInput(f"That page is larger than newsdesk's limit of {self.max_bytes:,} bytes.")
                if time.monotonic() > deadline:
                    raise BadInput(f"{_host(url)} was too slow sending the page.")
                chunks.append(chunk)
        except Urllib3Timeout:
            raise BadInput(f"{_host(url)} did not answer within {self.timeout:g} seconds.") from None
        except HTTPError as error:
            log.info("reading %s failed: %s", _host(url), error)
            raise BadInput(f"The connection to {_host(url)} broke while reading the page.") from None
        return b"".join(chunks)


def _host(url: str) -> str:
    return urlsplit(url).hostname or "the server"
