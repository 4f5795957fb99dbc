"""The crawl state in Redis, shared by every worker of a distributed crawl (see distributed.py).

Same interface and semantics as SqliteArticleState. Each table is one Redis hash, keyed like the
SQLite primary key, whose values are JSON: one round trip per lookup, and HLEN counts articles.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import redis

from newscrawler.items import Article
from newscrawler.state.sqlite import ArticleRecord, FetchRecord, utc_stamp

__all__ = ["DEFAULT_PREFIX", "RedisArticleState"]

DEFAULT_PREFIX = "newscrawler:"


class RedisArticleState:
    """Seen articles by canonical URL and by content hash, plus fetches and signatures."""

    def __init__(self, url: str, prefix: str = DEFAULT_PREFIX) -> None:
        self._db = redis.Redis.from_url(url)
        key = f"{prefix}state:"
        self._articles = key + "articles"
        self._hashes = key + "hashes"
        self._fetches = key + "fetches"
        self._signatures = key + "signatures"

    def _get(self, table: str, key: str) -> dict[str, Any] | None:
        raw = self._db.hget(table, key)
        return json.loads(raw) if raw else None

    def _put(self, table: str, key: str, value: dict[str, Any]) -> None:
        self._db.hset(table, key, json.dumps(value, separators=(",", ":")))

    # -- articles ----------------------------------------------------------------------------

    def has_url(self, canonical_url: str) -> bool:
        return bool(self._db.hexists(self._articles, canonical_url))

    def url_for_hash(self, content_hash: str) -> str | None:
        """The canonical URL of an article already written with this content hash, if any."""
        raw = self._db.hget(self._hashes, content_hash)
        return raw.decode() if isinstance(raw, bytes) else None

    def article(self, canonical_url: str) -> ArticleRecord | None:
        row = self._get(self._articles, canonical_url)
        if row is None:
            return None
        return ArticleRecord(
            canonical_url,
            row["id"],
            row["site"],
            row["content_hash"],
            row["revision"],
            row["first_seen"],
            row["last_seen"],
            row.get("duplicate_of"),
        )

    def record(self, article: Article, now: datetime | None = None) -> None:
        stamp = utc_stamp(now)
        old = self._get(self._articles, article.canonical_url)
        old_hash = old["content_hash"] if old else None
        row = old or {
            "id": article.id,
            "site": article.site,
            "first_seen": stamp,
            "duplicate_of": article.duplicate_of,
        }
        # As SQLite's ON CONFLICT: a known article keeps its id, site, first sighting and link.
        row.update(
            content_hash=article.content_hash,
            revision=article.revision,
            last_seen=stamp,
            modified_at=article.modified_at,
        )
        pipe = self._db.pipeline()
        # As in SQLite, a revised article's old text no longer names it.
        if (
            old_hash is not None
            and old_hash != article.content_hash
            and self.url_for_hash(old_hash) == article.canonical_url
        ):
            pipe.hdel(self._hashes, old_hash)
        pipe.hset(self._articles, article.canonical_url, json.dumps(row, separators=(",", ":")))
        # The first URL written with a text stays its owner, as SQLite's `LIMIT 1` on insertion.
        pipe.hsetnx(self._hashes, article.content_hash, article.canonical_url)
        pipe.execute()

    def touch(self, canonical_url: str, now: datetime | None = None) -> None:
        """The article was seen again, unchanged."""
        row = self._get(self._articles, canonical_url)
        if row is not None:
            row["last_seen"] = utc_stamp(now)
            self._put(self._articles, canonical_url, row)

    def count(self) -> int:
        return int(self._db.hlen(self._articles))

    # -- fetches -----------------------------------------------------------------------------

    def fetch(self, url: str) -> FetchRecord | None:
        row = self._get(self._fetches, url)
        if row is None:
            return None
        return FetchRecord(
            url,
            row["canonical_url"],
            row.get("etag"),
            row.get("last_modified"),
            row.get("lastmod"),
            row.get("published_at"),
            row["first_seen"],
            row["last_checked"],
        )

    def record_fetch(
        self,
        url: str,
        canonical_url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        lastmod: str | None = None,
        published_at: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Remember a fetched article URL; validators and dates left None keep their value."""
        stamp = utc_stamp(now)
        row = self._get(self._fetches, url) or {"first_seen": stamp}
        given = {
            "etag": etag,
            "last_modified": last_modified,
            "lastmod": lastmod,
            "published_at": published_at,
        }
        row.update({k: v for k, v in given.items() if v is not None})
        row.update(canonical_url=canonical_url, last_checked=stamp)
        self._put(self._fetches, url, row)

    def checked(self, url: str, now: datetime | None = None) -> None:
        """A conditional request for `url` answered 304 Not Modified."""
        row = self._get(self._fetches, url)
        if row is not None:
            row["last_checked"] = utc_stamp(now)
            self._put(self._fetches, url, row)

    # -- near-duplicate signatures -------------------------------------------------------------

    def record_signature(
        self,
        article_id: str,
        site: str,
        minhash: bytes,
        duplicate_of: str | None,
        now: datetime | None = None,
    ) -> None:
        """Store (or, for a new revision, replace) an article's body signature; the first
        sighting time and the link to the earliest copy are kept."""
        row = self._get(self._signatures, article_id) or {
            "site": site,
            "first_seen": utc_stamp(now),
            "duplicate_of": duplicate_of,
        }
        row["minhash"] = minhash.hex()
        self._put(self._signatures, article_id, row)

    def has_signature(self, article_id: str) -> bool:
        return bool(self._db.hexists(self._signatures, article_id))

    def signatures(self) -> Iterator[tuple[str, str, str | None, bytes]]:
        """(id, first_seen, duplicate_of, minhash) of every stored signature."""
        for key, raw in self._db.hscan_iter(self._signatures, count=1000):
            row = json.loads(raw)
            minhash = bytes.fromhex(row["minhash"])
            yield key.decode(), row["first_seen"], row["duplicate_of"], minhash

    def clear(self) -> None:
        """Forget everything (tests, benchmarks)."""
        self._db.delete(self._articles, self._hashes, self._fetches, self._signatures)

    def close(self) -> None:
        self._db.close()
