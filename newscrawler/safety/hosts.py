"""Host and URL rules of the site boundary, without Scrapy: which names a site may list as its
domains, whether a host is inside them, which addresses are not public.

Site loading (newscrawler/sites/) checks a site's domains and start URLs with these before any
crawl, and `newscrawler extract` loads the sites without Scrapy; the boundary middleware
(newscrawler/safety/boundary.py) applies the same rules to every request.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

__all__ = [
    "WEB_SCHEMES",
    "IPAddress",
    "domains_problem",
    "host_allowed",
    "ip_literal",
    "non_public_kind",
    "start_url_problem",
]

WEB_SCHEMES = frozenset({"http", "https"})
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def ip_literal(host: str | None) -> IPAddress | None:
    """The address `host` spells (IPv4-mapped IPv6 as IPv4), or None for a host name."""
    try:
        address = ipaddress.ip_address((host or "").strip("[]").rstrip("."))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def non_public_kind(address: IPAddress) -> str | None:
    """What kind of non-public address this is ("link-local", "loopback", "private", ...), or
    None for an address of the public internet."""
    for kind in ("loopback", "link_local", "unspecified", "multicast", "private", "reserved"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if address.is_global else "non-public"


def domains_problem(domains: Iterable[str]) -> str | None:
    """Why a site's domain list cannot keep a boundary, or None."""
    names = list(domains)
    if not names:
        return (
            "empty; the site boundary would be off and every redirect followed: list the "
            "host names the site's pages are on"
        )
    for name in names:
        if not isinstance(name, str) or not name.strip(" ."):
            return f"{name!r} is not a host name"
        if ip_literal(name) is None and ("/" in name or ":" in name or " " in name):
            return f"{name!r} is not a host name (give the name only, no scheme, port or path)"
    return None


def host_allowed(host: str | None, domains: Iterable[str]) -> bool:
    """True when `host` is one of `domains` or a subdomain of one (case and a final dot aside)."""
    if not host:
        return False
    host = host.lower().rstrip(".")
    for domain in domains:
        domain = domain.lower().rstrip(".")
        if host == domain or host.endswith("." + domain):
            return True
    return False


def start_url_problem(url: str, domains: Iterable[str]) -> str | None:
    """Why `url` cannot start a crawl of a site with these allowed domains, or None."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        return f"start_url {url!r} is not a URL: {exc}"
    if parts.scheme not in WEB_SCHEMES or not host:
        return f"start_url {url!r} must be an absolute http(s) URL"
    domains = list(domains)
    if domains and not host_allowed(host, domains):
        return (
            f"start_url host {host!r} is outside the site's allowed domains "
            f"({', '.join(domains)}); give a URL of the site itself"
        )
    return None
