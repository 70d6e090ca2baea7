"""The one HTTP fetcher, and the SSRF guard in front of it.

A link a user pastes makes the bot's own machine open a connection, so every hop is checked: http or
https only; the host resolved here and every address it has must be public (no loopback, private,
link-local, multicast, reserved, shared or cloud-metadata address, in any IPv4 spelling or IPv6
wrapping); the connection goes to the address that was checked, not to a second lookup; redirects
are followed by hand, at most five, each one checked again; reads stop at a size cap and a deadline;
only the content types newsdesk reads are accepted.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, quote, urljoin, urlsplit, urlunsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import HTTPError
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util.ssl_match_hostname import CertificateError

from bot.errors import BadInput, short
from bot.reading.addresses import is_public_address
from bot.reading.documents import CONTENT_TYPES

__all__ = ["MAX_REDIRECTS", "Fetched", "Fetcher", "is_public_address", "without_credentials"]

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
_REDIRECTS = {301, 302, 303, 307, 308}
# What a request line keeps as it is: the reserved characters and "%" (a link's own escapes); everything else (another
# script, a space, a control character) goes as UTF-8 percent escapes, as a browser sends it.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"
Resolver = Callable[..., list[tuple[Any, ...]]]


@dataclass(frozen=True)
class Fetched:
    """A page as it arrived: the final URL after redirects (without any user name or password), its media
    type and its bytes."""

    url: str
    content_type: str
    data: bytes


def without_credentials(url: str) -> str:
    """The link with any `user:password@` taken out, so no password is stored, logged or shown.

    Example:
        without_credentials("https://editor:pw@cms.example/a")  ->  "https://cms.example/a"
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return re.sub(r"^([a-zA-Z][\w+.-]*://)[^/?#]*@", r"\1", url.strip())
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def _parse(url: str) -> tuple[SplitResult, str, int]:
    """The link's parts, its host (IDNA-encoded) and port, or BadInput when it is not a web address."""
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
        if parts.scheme not in ("http", "https"):
            raise BadInput("newsdesk only opens http and https links.")
        if not host:
            raise BadInput("That link has no host name.")
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except (ValueError, UnicodeError) as error:
        if isinstance(error, BadInput):
            raise
        raise BadInput(f"“{short(without_credentials(url), 60)}” is not a web address newsdesk can read.") from None
    return parts, host, port or (443 if parts.scheme == "https" else 80)


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
        """Fetch `url`, following at most five redirects, all within one deadline of `timeout` seconds;
        BadInput for anything refused, broken or too slow."""
        accepted = frozenset(accept)
        deadline = time.monotonic() + self.timeout
        for _ in range(MAX_REDIRECTS + 1):
            connection, response, sock = self._open(url, deadline)
            try:
                if response.status in _REDIRECTS:
                    location = response.headers.get("Location")
                    if not location:
                        raise BadInput(f"{_host(url)} sent a redirect with no address to follow.")
                    with contextlib.suppress(UnicodeError):  # headers arrive as Latin-1; servers send UTF-8
                        location = location.encode("latin-1").decode("utf-8")
                    url = urljoin(url, location)
                    continue
                if response.status >= 400:
                    raise BadInput(f"{_host(url)} answered {response.status} for that link.")
                media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                if media not in accepted:
                    raise BadInput(f"That link is {short(media, 60) or 'of no declared type'}, not a web page, text "
                                   "or PDF.")
                data = self._read(sock, response, url, deadline)
                return Fetched(url=without_credentials(url), content_type=media, data=data)
            finally:
                response.close()
                connection.close()
        raise BadInput(f"That link redirects more than {MAX_REDIRECTS} times, so newsdesk stopped following it.")

    def _open(self, url: str, deadline: float) -> tuple[HTTPConnection, urllib3.BaseHTTPResponse, socket.socket]:
        """Connect to the checked address and read the response head, cut off at the deadline; the socket comes
        back too, for the body's deadline to cut."""
        parts, host, port = _parse(url)
        address = self._checked_address(host, port)
        left = max(deadline - time.monotonic(), 0.01)
        connection: HTTPConnection
        if parts.scheme == "https":
            connection = HTTPSConnection(address, port, timeout=min(self.timeout, left), server_hostname=host,
                                         assert_hostname=host)
        else:
            connection = HTTPConnection(address, port, timeout=min(self.timeout, left))
        path = quote(parts.path or "/", safe=_URL_SAFE, errors="surrogatepass")
        if parts.query:
            path += "?" + quote(parts.query, safe=_URL_SAFE, errors="surrogatepass")
        default_port = port == (443 if parts.scheme == "https" else 80)
        headers = {
            "Host": host if default_port else f"{host}:{port}",
            "User-Agent": "newsdesk/0.1 (+editorial summaries)",
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,application/pdf;q=0.8,*/*;q=0.1",
        }
        try:
            with _Deadline(connection, deadline):
                connection.request("GET", path, headers=headers, preload_content=False)
                # Held now: when the server means to close the connection after the body (no Content-Length, say),
                # getresponse() hands the socket to the response and the connection forgets it.
                sock = connection.sock
                response = connection.getresponse()
            return connection, response, sock
        except (Urllib3Timeout, TimeoutError, _Expired):
            connection.close()
            raise BadInput(f"{short(host, 60)} did not answer within {self.timeout:g} seconds.") from None
        except (HTTPError, OSError, CertificateError) as error:
            connection.close()
            log.info("fetch of %s failed: %s", short(host, 60), error)
            raise BadInput(f"newsdesk could not connect to {short(host, 60)}.") from None

    def _checked_address(self, host: str, port: int) -> str:
        """Resolve `host` once and return an address that passed the guard."""
        host = host.lower().rstrip(".")
        try:
            infos = self._resolve(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise BadInput(f"newsdesk could not find the host {short(host, 60)}.") from None
        addresses = [str(info[4][0]) for info in infos]
        if not addresses:
            raise BadInput(f"newsdesk could not find the host {short(host, 60)}.")
        trusted = host in self.trusted_hosts or f"{host}:{port}" in self.trusted_hosts
        if not (trusted or self.allow_private):
            refused = [a for a in addresses if not is_public_address(a)]
            if refused:
                log.warning("refused a link to %s (%s): not a public address", host, refused[0])
                raise BadInput(f"newsdesk does not open links to private or internal addresses ({short(host, 60)}).")
        return addresses[0]

    def _read(self, sock: socket.socket, response: urllib3.BaseHTTPResponse, url: str, deadline: float) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared and declared.isascii() and declared.isdigit() and int(declared) > self.max_bytes:
            raise BadInput(f"That page is larger than newsdesk's limit of {self.max_bytes:,} bytes.")
        chunks: list[bytes] = []
        size = 0
        try:
            with _Deadline(sock, deadline):
                for chunk in response.stream(65536):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise BadInput(f"That page is larger than newsdesk's limit of {self.max_bytes:,} bytes.")
                    chunks.append(chunk)
        except (Urllib3Timeout, TimeoutError, _Expired):
            raise BadInput(f"{_host(url)} did not answer within {self.timeout:g} seconds.") from None
        except (HTTPError, OSError) as error:
            log.info("reading %s failed: %s", _host(url), error)
            raise BadInput(f"The connection to {_host(url)} broke while reading the page.") from None
        return b"".join(chunks)


class _Expired(Exception):
    """The fetch's deadline passed while the server was still sending."""


class _Deadline:
    """Cut a connection (its socket, or the socket itself) off when the deadline passes, however slowly the server
    trickles bytes (a socket time-out only bounds the wait for each byte, and a buffered read waits for a whole
    chunk); `_Expired` is raised instead of whatever the cut-off read raised."""

    def __init__(self, target: HTTPConnection | socket.socket | None, deadline: float) -> None:
        self.target = target
        self.expired = threading.Event()
        self.timer = threading.Timer(max(deadline - time.monotonic(), 0.0), self._cut)
        self.timer.daemon = True

    def _cut(self) -> None:
        self.expired.set()
        sock = self.target if isinstance(self.target, socket.socket) else getattr(self.target, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Deadline:
        self.timer.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: object) -> None:
        self.timer.cancel()
        if self.expired.is_set() and not (kind is not None and issubclass(kind, BadInput)):
            raise _Expired() from error  # a head or body cut short may otherwise pass for a whole one


def _host(url: str) -> str:
    try:
        return short(urlsplit(url).hostname or "the server", 60)
    except ValueError:
        return "the server"
