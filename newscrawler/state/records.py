"""What the state stores hold, as plain records shared by the store interface
(`state/protocol.py`), the SQLite and Redis stores and their callers; and the UTC stamps they
write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "ArticleRecord",
    "FetchRecord",
    "SignatureRecord",
    "parse_stamp",
    "utc_stamp",
]

_STAMP = "%Y-%m-%dT%H:%M:%SZ"


def utc_stamp(when: datetime | None = None) -> str:
    return (when or datetime.now(UTC)).strftime(_STAMP)


def parse_stamp(stamp: str) -> datetime:
    return datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)


@dataclass(frozen=True)
class ArticleRecord:
    """What the state knows of one article (one canonical URL)."""

    canonical_url: str
    id: str
    site: str
    content_hash: str
    revision: int
    first_seen: str
    last_seen: str
    duplicate_of: str | None = None


@dataclass(frozen=True)
class FetchRecord:
    """What the state knows of one article URL: validators, discovery dates, when checked."""

    url: str
    canonical_url: str
    etag: str | None
    last_modified: str | None
    lastmod: str | None
    published_at: str | None
    first_seen: str
    last_checked: str


@dataclass(frozen=True)
class SignatureRecord:
    """A stored body signature: uint32 MinHash values as bytes, with the article's first sighting
    and the earliest copy it links to."""

    id: str
    first_seen: str
    duplicate_of: str | None
    minhash: bytes
