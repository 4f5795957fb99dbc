"""The embedded crawl state: articles written (by canonical URL and content hash, with revision),
the fetch validators and discovery dates of each article URL, and near-duplicate signatures.

One SQLite file in WAL mode. An article row is inserted only after the article's line is written
(the writer pipeline calls `record`), so a crash between the two re-emits an article rather than
losing it; `newscrawler.state.recover` closes even that gap on the next start.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from newscrawler.items import Article

__all__ = ["ArticleRecord", "FetchRecord", "SqliteArticleState", "utc_stamp"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    canonical_url TEXT PRIMARY KEY,
    id            TEXT NOT NULL,
    site          TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    revision      INTEGER NOT NULL,
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_content_hash ON articles (content_hash);
-- One row per article URL as requested (before redirects): what the server and discovery said.
CREATE TABLE IF NOT EXISTS fetches (
    url           TEXT PRIMARY KEY,
    canonical_url TEXT NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    lastmod       TEXT,
    published_at  TEXT,
    first_seen    TEXT NOT NULL,
    last_checked  TEXT NOT NULL
);
-- MinHash signatures of written bodies, for near-duplicate links across sites and runs.
CREATE TABLE IF NOT EXISTS signatures (
    id            TEXT PRIMARY KEY,
    site          TEXT NOT NULL,
    first_seen    TEXT NOT NULL,
    duplicate_of  TEXT,
    minhash       BLOB NOT NULL
);
"""
# Columns added after the first release; a state file from then gains them on open.
_ADDED_COLUMNS = {"articles": {"modified_at": "TEXT", "duplicate_of": "TEXT"}}

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


class SqliteArticleState:
    """Seen articles by canonical URL and by content hash, plus fetches and signatures."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # The crawler runs in one thread (the Twisted reactor); autocommit per statement keeps
        # every recorded article durable the moment `record` returns.
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        # A scheduler may run several sites at once on one state file: wait for the writer lock.
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        for table, columns in _ADDED_COLUMNS.items():
            present = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            for name, kind in columns.items():
                if name not in present:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    # -- articles ----------------------------------------------------------------------------

    def has_url(self, canonical_url: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM articles WHERE canonical_url = ?", (canonical_url,)
        ).fetchone()
        return row is not None

    def url_for_hash(self, content_hash: str) -> str | None:
        """The canonical URL of an article already written with this content hash, if any."""
        row = self._db.execute(
            "SELECT canonical_url FROM articles WHERE content_hash = ? LIMIT 1", (content_hash,)
        ).fetchone()
        return str(row[0]) if row else None

    def article(self, canonical_url: str) -> ArticleRecord | None:
        row = self._db.execute(
            """SELECT canonical_url, id, site, content_hash, revision, first_seen, last_seen,
                      duplicate_of
               FROM articles WHERE canonical_url = ?""",
            (canonical_url,),
        ).fetchone()
        return ArticleRecord(*row) if row else None

    def record(self, article: Article, now: datetime | None = None) -> None:
        stamp = utc_stamp(now)
        self._db.execute(
            """INSERT INTO articles
                   (canonical_url, id, site, content_hash, revision, first_seen, last_seen,
                    modified_at, duplicate_of)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (canonical_url) DO UPDATE SET
                   content_hash = excluded.content_hash,
                   revision = excluded.revision,
                   last_seen = excluded.last_seen,
                   modified_at = excluded.modified_at""",
            (
                article.canonical_url,
                article.id,
                article.site,
                article.content_hash,
                article.revision,
                stamp,
                stamp,
                article.modified_at,
                article.duplicate_of,
            ),
        )

    def touch(self, canonical_url: str, now: datetime | None = None) -> None:
        """The article was seen again, unchanged."""
        self._db.execute(
            "UPDATE articles SET last_seen = ? WHERE canonical_url = ?",
            (utc_stamp(now), canonical_url),
        )

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    # -- fetches -----------------------------------------------------------------------------

    def fetch(self, url: str) -> FetchRecord | None:
        row = self._db.execute(
            """SELECT url, canonical_url, etag, last_modified, lastmod, published_at, first_seen,
                      last_checked
               FROM fetches WHERE url = ?""",
            (url,),
        ).fetchone()
        return FetchRecord(*row) if row else None

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
        self._db.execute(
            """INSERT INTO fetches
                   (url, canonical_url, etag, last_modified, lastmod, published_at, first_seen,
                    last_checked)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (url) DO UPDATE SET
                   canonical_url = excluded.canonical_url,
                   etag = COALESCE(excluded.etag, etag),
                   last_modified = COALESCE(excluded.last_modified, last_modified),
                   lastmod = COALESCE(excluded.lastmod, lastmod),
                   published_at = COALESCE(excluded.published_at, published_at),
                   last_checked = excluded.last_checked""",
            (url, canonical_url, etag, last_modified, lastmod, published_at, stamp, stamp),
        )

    def checked(self, url: str, now: datetime | None = None) -> None:
        """A conditional request for `url` answered 304 Not Modified."""
        self._db.execute("UPDATE fetches SET last_checked = ? WHERE url = ?", (utc_stamp(now), url))

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
        self._db.execute(
            """INSERT INTO signatures (id, site, first_seen, duplicate_of, minhash)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (id) DO UPDATE SET minhash = excluded.minhash""",
            (article_id, site, utc_stamp(now), duplicate_of, minhash),
        )

    def has_signature(self, article_id: str) -> bool:
        row = self._db.execute("SELECT 1 FROM signatures WHERE id = ?", (article_id,)).fetchone()
        return row is not None

    def signatures(self) -> Iterator[tuple[str, str, str | None, bytes]]:
        """(id, first_seen, duplicate_of, minhash) of every stored signature."""
        for row in self._db.execute("SELECT id, first_seen, duplicate_of, minhash FROM signatures"):
            yield str(row[0]), str(row[1]), row[2], bytes(row[3])

    def close(self) -> None:
        self._db.close()
