"""The SSRF guard and the fetcher, against a loopback server standing in for the web."""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from bot import Newsdesk
from bot.errors import BadInput
from bot.reading.fetcher import Fetcher, is_public_address, without_credentials

from .rigs.support import Loopback

PAGE = (b"<html><head><title>Ferry fares</title></head><body><article><p>The ferry operator has raised fares by "
        b"forty per cent in two years while cutting the winter timetable in half.</p><p>The regulator should "
        b"cap fares on lifeline routes before the islands empty.</p></article></body></html>")


@pytest.fixture
def web() -> Any:
    with Loopback() as server:
        yield server


def open_fetcher(**kwargs: Any) -> Fetcher:
    return Fetcher(max_bytes=kwargs.pop("max_bytes", 100_000), timeout=kwargs.pop("timeout", 2.0), **kwargs)


def pinned(name: str, address: str) -> Any:
    """The system resolver plus one made-up host name, the way a newsroom's internal DNS adds its own."""

    def resolve(host: str, port: int, **kwargs: Any) -> list[tuple[Any, ...]]:
        if host != name:
            return socket.getaddrinfo(host, port, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    return resolve


def test_a_page_is_fetched_when_private_addresses_are_allowed(web: Loopback) -> None:
    web.route("/ferry", body=PAGE, headers={"Content-Type": "text/html; charset=utf-8"})
    page = open_fetcher(allow_private=True).fetch(web.url("/ferry"))
    assert page.data == PAGE and page.content_type == "text/html"


@pytest.mark.parametrize("host", [
    "127.0.0.1", "localhost", "2130706433", "0x7f.0.0.1", "0177.0.0.1", "127.1", "[::1]", "[::ffff:127.0.0.1]",
    "0.0.0.0", "10.0.0.8", "172.16.4.4", "192.168.1.1", "169.254.169.254", "100.100.100.200", "224.0.0.1",
    "240.0.0.1", "[fe80::1]", "[fd00:ec2::254]", "[::ffff:a9fe:a9fe]", "[2002:a9fe:a9fe::]",
])
def test_internal_addresses_in_every_spelling_are_refused_before_connecting(host: str) -> None:
    with pytest.raises(BadInput, match="private or internal addresses"):
        open_fetcher().fetch(f"http://{host}/latest/meta-data/")


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass_the_guard(address: str) -> None:
    assert is_public_address(address)


def test_a_host_whose_dns_points_inside_is_refused() -> None:
    fetcher = open_fetcher(resolve=pinned("news.example", "10.1.2.3"))
    with pytest.raises(BadInput, match="private or internal"):
        fetcher.fetch("https://news.example/opinion")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://example.com/", "http:///x"])
def test_only_http_and_https_links_are_opened(url: str) -> None:
    with pytest.raises(BadInput):
        open_fetcher().fetch(url)


def test_the_connection_goes_to_the_address_that_was_checked(web: Loopback) -> None:
    web.route("/ferry", body=PAGE, headers={"Content-Type": "text/html"})
    fetcher = open_fetcher(trusted_hosts={"cms.newsroom.test"}, resolve=pinned("cms.newsroom.test", "127.0.0.1"))
    page = fetcher.fetch(web.url("/ferry", host="cms.newsroom.test"))
    assert page.data == PAGE
    assert web.seen == [("/ferry", f"cms.newsroom.test:{web.port}")]


def test_redirects_are_followed_and_each_hop_checked(web: Loopback) -> None:
    web.route("/old", status=301, headers={"Location": "/new"})
    web.route("/new", status=302, headers={"Location": web.url("/ferry")})
    web.route("/ferry", body=PAGE, headers={"Content-Type": "text/html"})
    page = open_fetcher(allow_private=True).fetch(web.url("/old"))
    assert page.url == web.url("/ferry") and page.data == PAGE


def test_more_than_five_redirects_are_refused(web: Loopback) -> None:
    for hop in range(7):
        web.route(f"/hop{hop}", status=302, headers={"Location": f"/hop{hop + 1}"})
    with pytest.raises(BadInput, match="more than 5 times"):
        open_fetcher(allow_private=True).fetch(web.url("/hop0"))
    assert len(web.seen) == 6


@pytest.mark.parametrize("target", ["http://127.0.0.1:{port}/ferry", "http://169.254.169.254/latest/meta-data/",
                                    "http://[::1]:{port}/ferry"])
def test_a_redirect_to_an_internal_address_is_refused_with_the_setting_off(web: Loopback, target: str) -> None:
    web.route("/story", status=302, headers={"Location": target.format(port=web.port)})
    web.route("/ferry", body=PAGE, headers={"Content-Type": "text/html"})
    fetcher = open_fetcher(trusted_hosts={"cms.newsroom.test"}, resolve=pinned("cms.newsroom.test", "127.0.0.1"))
    with pytest.raises(BadInput, match="private or internal"):
        fetcher.fetch(web.url("/story", host="cms.newsroom.test"))
    assert [path for path, _ in web.seen] == ["/story"]


def test_a_slow_server_times_out_with_a_sentence(web: Loopback) -> None:
    web.route("/slow", body=PAGE, headers={"Content-Type": "text/html"}, delay=1.5)
    with pytest.raises(BadInput, match=r"did not answer within 0\.3 seconds"):
        open_fetcher(allow_private=True, timeout=0.3).fetch(web.url("/slow"))


@pytest.mark.parametrize("declare_length", [True, False])
def test_reading_stops_past_the_size_cap(web: Loopback, declare_length: bool) -> None:
    web.route("/huge", body=b"<p>" + b"x" * 300_000, headers={"Content-Type": "text/html"},
              declare_length=declare_length)
    with pytest.raises(BadInput, match="larger than newsdesk's limit of 100,000 bytes"):
        open_fetcher(allow_private=True).fetch(web.url("/huge"))


def test_content_types_newsdesk_does_not_read_are_refused(web: Loopback) -> None:
    web.route("/photo", body=b"\x89PNG", headers={"Content-Type": "image/png"})
    with pytest.raises(BadInput, match="image/png"):
        open_fetcher(allow_private=True).fetch(web.url("/photo"))


def test_an_error_status_is_reported(web: Loopback) -> None:
    with pytest.raises(BadInput, match="answered 404"):
        open_fetcher(allow_private=True).fetch(web.url("/missing"))


def test_an_unknown_host_is_reported() -> None:
    with pytest.raises(BadInput, match="could not find the host"):
        open_fetcher(resolve=pinned("other.test", "8.8.8.8")).fetch("https://no-such-host.invalid/")


@pytest.fixture
def tls_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An HTTPS loopback server whose certificate names cms.newsroom.test, trusted through SSL_CERT_FILE."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=cms.newsroom.test", "-addext", "subjectAltName=DNS:cms.newsroom.test"],
                   check=True, capture_output=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    with Loopback() as web:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        web.server.socket = context.wrap_socket(web.server.socket, server_side=True)
        web.route("/ferry", body=PAGE, headers={"Content-Type": "text/html"})
        yield web


def test_https_goes_to_the_checked_address_and_verifies_the_host_name(tls_site: Loopback) -> None:
    names = {"cms.newsroom.test", "impostor.newsroom.test"}

    def resolve(host: str, port: int, **kwargs: Any) -> list[tuple[Any, ...]]:
        if host in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return socket.getaddrinfo(host, port, **kwargs)

    fetcher = open_fetcher(trusted_hosts=names, resolve=resolve)
    page = fetcher.fetch(f"https://cms.newsroom.test:{tls_site.port}/ferry")
    assert page.data == PAGE and tls_site.seen == [("/ferry", f"cms.newsroom.test:{tls_site.port}")]
    with pytest.raises(BadInput, match=r"could not connect to impostor\.newsroom\.test"):
        fetcher.fetch(f"https://impostor.newsroom.test:{tls_site.port}/ferry")


# Every IANA special-purpose block that is not globally reachable (IPv4 and IPv6 registries, as of 2025), with the
# first and last address of each, and the IPv4 ones again inside IPv6 (mapped, 6to4, NAT64).
IANA_V4 = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
           "192.0.0.0/24", "192.0.0.0/29", "192.0.0.8/32", "192.0.0.170/32", "192.0.0.171/32", "192.0.2.0/24",
           "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4",
           "255.255.255.255/32"]
IANA_V6 = ["::1/128", "::/128", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:2::/48", "2001:10::/28",
           "2001:db8::/32", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10"]


def _ends(block: str) -> list[str]:
    network = ipaddress.ip_network(block)
    return [str(network[0]), str(network[-1])]


@pytest.mark.parametrize("address", [a for block in IANA_V4 + IANA_V6 for a in _ends(block)]
                         + ["192.0.0.192", "192.0.0.8", "fec0::1", "ff02::1", "224.0.0.251"])
def test_every_special_purpose_address_of_the_iana_registries_is_refused(address: str) -> None:
    assert not is_public_address(address)
    if ":" not in address:
        v4 = ipaddress.IPv4Address(address)
        for wrapped in (f"::ffff:{address}", f"64:ff9b::{address}", str(ipaddress.IPv6Address((0x2002 << 112)
                                                                                              | (int(v4) << 80)))):
            assert not is_public_address(wrapped), wrapped


@pytest.mark.parametrize("host", ["[::ffff:192.0.0.192]", "[2002:c000:c0::]", "192.0.0.192", "[fec0::1]",
                                  "[2001:0:4136:e378:8000:63bf:3fff:fdd2]"])
def test_links_to_newer_special_addresses_are_refused(host: str) -> None:
    with pytest.raises(BadInput, match="private or internal addresses"):
        open_fetcher().fetch(f"http://{host}/opc/v1/instance/")


@pytest.mark.parametrize("address", ["1.1.1.1", "192.0.1.1", "192.31.196.1", "2001:4860:4860::8888",
                                     "64:ff9b::808:808", "2002:808:808::1"])
def test_globally_reachable_addresses_still_pass(address: str) -> None:
    assert is_public_address(address)


@pytest.mark.parametrize("url", ["http://[::1/", "http://[zz]/", "http://exa℀mple.com/", "http://example.com／path",
                                 "https://example.com:99999/", "http://" + "a" * 2000 + ".com/"])
def test_links_that_cannot_be_parsed_get_a_short_sentence(url: str) -> None:
    with pytest.raises(BadInput) as refused:
        open_fetcher(resolve=pinned("never.test", "8.8.8.8")).fetch(url)
    assert len(str(refused.value)) < 200


def test_a_user_name_and_password_in_a_link_are_never_kept(web: Loopback, desk: Newsdesk) -> None:
    web.route("/ferry", body=PAGE, headers={"Content-Type": "text/html"})
    fetcher = open_fetcher(allow_private=True)
    page = fetcher.fetch(f"http://editor:s3cret@127.0.0.1:{web.port}/ferry")
    assert page.url == web.url("/ferry")
    desk.reader.fetcher = fetcher
    stored = desk.add(desk.reader.from_link(f"http://editor:s3cret@127.0.0.1:{web.port}/ferry"))
    assert "s3cret" not in stored.source and "editor" not in stored.source
    assert without_credentials("https://u:p@cms.test:8443/a?b=1") == "https://cms.test:8443/a?b=1"


def test_a_server_that_trickles_one_byte_at_a_time_is_cut_off_at_the_deadline() -> None:
    """The time-out is a deadline for the whole response, not for each byte."""
    listener = socket.create_server(("127.0.0.1", 0))
    reply = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100

    def trickle(head_only: bool) -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(4096)
            for byte in reply[:20] if head_only else reply:
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.05)

    for head_only in (True, False):
        threading.Thread(target=trickle, args=(head_only,), daemon=True).start()
        started = time.monotonic()
        with pytest.raises(BadInput, match=r"did not answer within 1 seconds"):
            open_fetcher(allow_private=True, timeout=1.0).fetch(f"http://127.0.0.1:{listener.getsockname()[1]}/")
        assert time.monotonic() - started < 2.5
    listener.close()


def test_a_body_of_no_declared_length_dripped_a_byte_a_second_is_cut_off_at_the_deadline() -> None:
    """With no Content-Length the body ends when the server closes: the deadline must still cut it, though each
    byte comes well within the socket's time-out."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(4096)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>")
            while not stop.wait(1.0):
                try:
                    connection.sendall(b"x")
                except OSError:
                    return

    outcome: list[object] = []

    def fetch() -> None:
        try:
            outcome.append(open_fetcher(allow_private=True, timeout=2.0).fetch(
                f"http://127.0.0.1:{listener.getsockname()[1]}/"))
        except BadInput as error:
            outcome.append(error)

    threading.Thread(target=drip, daemon=True).start()
    fetcher = threading.Thread(target=fetch, daemon=True)
    fetcher.start()
    fetcher.join(10)  # a bound on the test, not a speed target: uncut, the drip never ends
    stop.set()
    listener.close()
    assert not fetcher.is_alive(), "the fetch was still reading after 10 seconds"
    assert isinstance(outcome[0], BadInput) and "did not answer within 2 seconds" in str(outcome[0])


def test_links_and_redirects_that_are_not_plain_ascii_are_sent_percent_encoded(web: Loopback) -> None:
    """A slug in another script, a space or a control character in a link or a Location header is sent the way a
    browser sends it, not raised from inside http.client."""
    web.route("/caf%C3%A9", body=PAGE, headers={"Content-Type": "text/html"})
    web.route("/a%20b%1B[2J", body=PAGE, headers={"Content-Type": "text/html"})
    web.route("/moved", status=302, headers={"Location": "/café".encode().decode("latin-1")})  # UTF-8, as sent
    fetcher = open_fetcher(allow_private=True)
    assert fetcher.fetch(web.url("/café")).data == PAGE
    assert fetcher.fetch(web.url("/a b\x1b[2J")).data == PAGE
    assert fetcher.fetch(web.url("/moved")).data == PAGE
    assert [path for path, _ in web.seen] == ["/caf%C3%A9", "/a%20b%1B[2J", "/moved", "/caf%C3%A9"]


@pytest.mark.parametrize("length", ["²", "1e9", "-5"])
def test_a_length_that_is_no_plain_number_is_taken_for_none(web: Loopback, length: str) -> None:
    """A server's Content-Length of superscript digits ("²".isdigit() is true) or worse is ignored, not a crash: the
    size cap still counts the bytes as they come."""
    web.route("/odd", body=PAGE, headers={"Content-Type": "text/html", "Content-Length": length},
              declare_length=False)
    try:
        assert open_fetcher(allow_private=True).fetch(web.url("/odd")).data == PAGE
    except BadInput as refusal:  # a client may also give up on a length it cannot read: a sentence, then
        assert "could not" in str(refusal) or "broke" in str(refusal)
