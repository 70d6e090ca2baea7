"""Which IP addresses a link may lead to: the SSRF guard's table, kept here rather than trusted to `ipaddress`.

Python's `ipaddress` flags lag the IANA registries (3.11.7 lets 192.0.0.0/24 and fec0::/10 through), so the blocks
below are our own: every entry of the IANA IPv4 and IPv6 Special-Purpose Address Registries that is not globally
reachable, plus multicast, the reserved and deprecated ranges, and anything outside IPv6 global unicast. IPv4
carried inside IPv6 (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo) is unwrapped and checked as IPv4.
"""

from __future__ import annotations

import ipaddress

__all__ = ["NOT_PUBLIC_V4", "NOT_PUBLIC_V6", "is_public_address"]

# IANA IPv4 Special-Purpose Address Registry (entries not globally reachable), multicast and reserved space.
# 192.0.0.0/24 is refused whole, its two anycast entries (192.0.0.9, 192.0.0.10) included: no article lives there.
NOT_PUBLIC_V4 = tuple(ipaddress.IPv4Network(block) for block in (
    "0.0.0.0/8",           # "this network"
    "10.0.0.0/8",          # private use
    "100.64.0.0/10",       # shared address space (carrier-grade NAT; Alibaba Cloud metadata 100.100.100.200)
    "127.0.0.0/8",         # loopback
    "169.254.0.0/16",      # link local (cloud metadata 169.254.169.254)
    "172.16.0.0/12",       # private use
    "192.0.0.0/24",        # IETF protocol assignments (192.0.0.8 dummy, 192.0.0.170-171 NAT64 discovery,
                           # 192.0.0.192 Oracle Cloud metadata)
    "192.0.2.0/24",        # documentation (TEST-NET-1)
    "192.88.99.0/24",      # 6to4 relay anycast (deprecated)
    "192.168.0.0/16",      # private use
    "198.18.0.0/15",       # benchmarking
    "198.51.100.0/24",     # documentation (TEST-NET-2)
    "203.0.113.0/24",      # documentation (TEST-NET-3)
    "224.0.0.0/4",         # multicast
    "240.0.0.0/4",         # reserved
    "255.255.255.255/32",  # limited broadcast
))

# IANA IPv6 Special-Purpose Address Registry (entries not globally reachable) and the IPv6 address space beyond
# global unicast. The embedding prefixes (::ffff:0:0/96, ::/96, 64:ff9b::/96, 2002::/16, 2001::/32) are unwrapped
# before this table is read.
NOT_PUBLIC_V6 = tuple(ipaddress.IPv6Network(block) for block in (
    "::/128",              # unspecified
    "::1/128",             # loopback
    "64:ff9b:1::/48",      # local-use IPv4/IPv6 translation
    "100::/64",            # discard-only
    "100:0:0:1::/64",      # dummy prefix
    "2001::/23",           # IETF protocol assignments (Teredo 2001::/32 is unwrapped first)
    "2001:db8::/32",       # documentation
    "3fff::/20",           # documentation
    "5f00::/16",           # segment routing (SRv6) SIDs
    "fc00::/7",            # unique local (AWS metadata fd00:ec2::254)
    "fe80::/10",           # link-local unicast
    "fec0::/10",           # site-local unicast (deprecated)
    "ff00::/8",            # multicast
))
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
# Globally reachable entries inside 2001::/23, per the registry.
_GLOBAL_V6 = tuple(ipaddress.IPv6Network(block) for block in (
    "2001:1::1/128", "2001:1::2/128", "2001:1::3/128", "2001:3::/32", "2001:4:112::/48", "2001:20::/28",
    "2001:30::/28",
))
_TEREDO = ipaddress.IPv6Network("2001::/32")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_COMPATIBLE = ipaddress.IPv6Network("::/96")
_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")


def is_public_address(address: str) -> bool:
    """True when an address is on the public internet; IPv4 inside IPv6 is judged as the IPv4 it carries.

    Example:
        is_public_address("192.0.0.192")        ->  False (Oracle Cloud's metadata service)
        is_public_address("::ffff:8.8.8.8")     ->  True
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv4Address):
        return _public_v4(ip)
    embedded = _embedded(ip)
    if embedded is not None:
        return all(_public_v4(v4) for v4 in embedded)
    if any(ip in block for block in _GLOBAL_V6):
        return True
    return ip in _GLOBAL_UNICAST and not any(ip in block for block in NOT_PUBLIC_V6)


def _public_v4(ip: ipaddress.IPv4Address) -> bool:
    return not any(ip in block for block in NOT_PUBLIC_V4)


def _embedded(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address] | None:
    """The IPv4 addresses an IPv6 address carries (Teredo carries two: its server and its client)."""
    low = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _MAPPED or ip in _NAT64 or ip in _TRANSLATED:
        return [low]
    if ip in _COMPATIBLE:  # deprecated IPv4-compatible addresses (::1 and :: are in the table)
        return None if int(ip) <= 1 else [low]
    if ip in _SIX_TO_FOUR:
        return [ipaddress.IPv4Address((int(ip) >> 80) & 0xFFFFFFFF)]
    if ip in _TEREDO:
        return [ipaddress.IPv4Address((int(ip) >> 64) & 0xFFFFFFFF), ipaddress.IPv4Address(~int(ip) & 0xFFFFFFFF)]
    return None
