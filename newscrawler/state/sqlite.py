"""The embedded article state: which canonical URLs and content hashes were written, across runs.

One SQLite file in WAL mode. A row is inserted only after the article's line is written (the
writer pipeline calls `record`), so a crash between the two re-emits an article rather than
losing it.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from newscrawler.items import Article

__all__ = ["SqliteArticleState"]

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
"""


class SqliteArticleState:
    """Seen articles by canonical URL and by content hash."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # The crawler runs in one thread (the Twisted reactor); autocommit per statement keeps
        # every recorded article durable the moment `record` returns.
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

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

    def record(self, article: Article, now: datetime | None = None) -> None:
        stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._db.execute(
            """INSERT INTO articles
                   (canonical_url, id, site, content_hash, revision, first_seen, last_seen)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (canonical_url) DO UPDATE SET
                   content_hash = excluded.content_hash,
                   revision = excluded.revision,
                   last_seen = excluded.last_seen""",
            (
                article.canonical_url,
                article.id,
                article.site,
                article.content_hash,
                article.revision,
                stamp,
                stamp,
            ),
        )

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def close(self) -> None:
        self._db.close()
