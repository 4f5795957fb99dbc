"""URL normalization: the canonical URL that identifies an article across fetches and runs."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

__all__ = ["TRACKING_PARAMETERS", "absolute_url", "article_id", "canonicalize_url"]

# Query parameters that only track the visitor; they never select different content.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ocid",
        "cmpid",
        "ncid",
        "smid",
        "_ga",
        "_gl",
        "ref_src",
        "ref_url",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_", "itm_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def absolute_url(value: str | None, base: str) -> str | None:
    """`value` resolved against `base`, or None when it is empty or not http(s)."""
    if not value:
        return None
    value = value.strip()
    if not value:
        return None
    joined = urljoin(base, value)
    return joined if urlsplit(joined).scheme in _DEFAULT_PORTS else None


def canonicalize_url(url: str) -> str:
    """Lowercase scheme and host, no default port, no fragment, no tracking parameters, the
    remaining query sorted, an empty path written as `/`. Path case is kept (it is significant)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    # Credentials (user:pass@) are dropped: they never belong in an identifier that is written out.
    netloc = host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMETERS and not k.lower().startswith(_TRACKING_PREFIXES)
    ]
    query.sort()
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query, doseq=True), ""))


def article_id(canonical_url: str) -> str:
    """The first 32 hex digits of SHA-256 of the canonical URL."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:32]
