"""The embedded crawl state: articles written (by canonical URL and content hash, with revision),
the fetch validators and discovery dates of each article URL, and near-duplicate signatures with
their LSH band keys (the near-duplicate index lives here, not in memory).

One SQLite file in WAL mode, checked with SQLite's quick check on open (a damaged file raises
`StateDamagedError`). The writer pipeline checks an article, writes its line and records it in one
transaction (`write_article`), so two crawlers on one file cannot both write it, and a failed
record takes the line back. A crash between the line and the commit re-emits an article rather
than losing it; `newscrawler.state.recover` closes even that gap on the next start.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from newscrawler.items import Article
from newscrawler.signatures import BAND_SCHEME, band_keys
from newscrawler.state.errors import StateDamagedError, StateError, StateWriteError
from newscrawler.state.records import (
    ArticleRecord,
    FetchRecord,
    SignatureRecord,
    utc_stamp,
)

__all__ = ["SqliteArticleState", "state_error"]

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
-- The LSH index of those signatures: one row per band of each signature (see `band_keys`).
-- Bodies sharing any band key are candidates; the primary key serves lookups by band key and the
-- removal of a replaced revision's rows.
CREATE TABLE IF NOT EXISTS signature_bands (
    band_key      INTEGER NOT NULL,
    article_id    TEXT NOT NULL,
    PRIMARY KEY (band_key, article_id)
) WITHOUT ROWID;
-- Facts about the file itself: `signature_bands` = the BAND_SCHEME its band rows were built with.
CREATE TABLE IF NOT EXISTS state_meta (
    name          TEXT PRIMARY KEY,
    value         TEXT NOT NULL
);
"""
# Columns added after the first release; a state file from then gains them on open.
_ADDED_COLUMNS = {"articles": {"modified_at": "TEXT", "duplicate_of": "TEXT"}}

# Variables per `IN (...)` of a batched lookup (SQLite allows 32,766 since 3.32, 999 before).
_CHUNK = 500

# SQLite's primary result codes that mean the file itself is not a sound database.
_DAMAGE_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


# Files this process has checked: the command line checks the state before the crawl starts,
# and the crawl's own open of it need not read the whole file again.
_CHECKED: set[tuple[int, int]] = set()


def _file_key(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_dev, stat.st_ino


def state_error(path: str | Path, exc: sqlite3.Error) -> StateError:
    """The StateError for an SQLite error on the state at `path`: damaged, or not writable."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in _DAMAGE_CODES:
        return StateDamagedError(path, str(exc))
    return StateWriteError(path, str(exc))


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _writes(
    method: Callable[Concatenate[SqliteArticleState, _P], _R],
) -> Callable[Concatenate[SqliteArticleState, _P], _R]:
    """A method that writes the state: SQLite's error becomes a StateError naming the file, which
    the crawl turns into one line and a stop (a full disk must not be a traceback per page)."""

    @functools.wraps(method)
    def wrapper(self: SqliteArticleState, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise state_error(self.path, exc) from exc

    return wrapper


class SqliteArticleState:
    """Seen articles by canonical URL and by content hash, plus fetches and signatures."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        memory = str(path) == ":memory:"
        if not memory:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Opening makes a new file 4 KiB at once (the WAL switch writes its header): an empty
            # one was cut short, and SQLite would take it for a new state and every known article
            # would be written again.
            if self.path.is_file() and self.path.stat().st_size == 0:
                raise StateDamagedError(self.path, "the file is empty")
        try:
            # The crawler runs in one thread (the Twisted reactor); autocommit per statement
            # keeps every recorded article durable the moment `record` returns.
            self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            # A scheduler may run several sites at once on one state file: wait for the writer.
            self._db.execute("PRAGMA busy_timeout=30000")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            if not memory and _file_key(self.path) not in _CHECKED:
                self._check()
                _CHECKED.add(_file_key(self.path))
            self._db.executescript(_SCHEMA)
            for table, columns in _ADDED_COLUMNS.items():
                present = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
                for name, kind in columns.items():
                    if name not in present:
                        self._db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
            self._index_signatures()
        except sqlite3.Error as exc:
            raise state_error(self.path, exc) from exc

    def _check(self) -> None:
        """SQLite's quick check (every page and record, not the index contents): damage read
        later would fail queries one by one, and a crawl would skip pages it never wrote."""
        rows = [str(row[0]) for row in self._db.execute("PRAGMA quick_check(3)")]
        if rows != ["ok"]:
            raise StateDamagedError(self.path, "; ".join(rows))

    def _index_signatures(self) -> None:
        """Build the band rows of signatures stored before them (a state file from an earlier
        version, or another band scheme): once, on open."""
        if self._meta("signature_bands") == BAND_SCHEME:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if self._meta("signature_bands") != BAND_SCHEME:  # another process may have done it
                self._db.execute("DELETE FROM signature_bands")
                rows = self._db.execute("SELECT id, minhash FROM signatures")
                self._db.executemany(
                    "INSERT OR IGNORE INTO signature_bands (band_key, article_id) VALUES (?, ?)",
                    ((key, str(id_)) for id_, data in rows for key in band_keys(bytes(data))),
                )
                self._db.execute(
                    "INSERT OR REPLACE INTO state_meta (name, value) VALUES (?, ?)",
                    ("signature_bands", BAND_SCHEME),
                )
            self._db.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        """End a failed transaction; a failed COMMIT may have rolled back already, and the
        error that failed it is the one to raise."""
        if self._db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")

    def _meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM state_meta WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    def _chunks(self, keys: Iterable[str]) -> Iterator[list[str]]:
        batch = list(dict.fromkeys(keys))
        for start in range(0, len(batch), _CHUNK):
            yield batch[start : start + _CHUNK]

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

    def articles(self, canonical_urls: Iterable[str]) -> dict[str, ArticleRecord]:
        """`article` for many URLs at once: the known ones, by URL (one query per 500)."""
        found: dict[str, ArticleRecord] = {}
        for chunk in self._chunks(canonical_urls):
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(
                f"""SELECT canonical_url, id, site, content_hash, revision, first_seen, last_seen,
                           duplicate_of
                    FROM articles WHERE canonical_url IN ({marks})""",
                chunk,
            ):
                found[row[0]] = ArticleRecord(*row)
        return found

    @_writes
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

    def write_article(
        self,
        article: Article,
        write: Callable[[], None],
        unwrite: Callable[[], None],
        now: datetime | None = None,
    ) -> bool:
        """Check that the state lacks this revision of the article, `write` its line and record
        it, as one step: in one transaction holding SQLite's write lock, so no other process or
        crawler on this file checks the same article in between. False (nothing written) when
        the state already holds it. A failure to record calls `unwrite` before raising
        `StateWriteError`, so the output never holds a line the state does not know."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise state_error(self.path, exc) from exc
        try:
            known = self.article(article.canonical_url)
            if known is not None and (
                known.revision >= article.revision or known.content_hash == article.content_hash
            ):
                self._db.execute("ROLLBACK")
                return False
            write()
            try:
                self.record(article, now)
                self._db.execute("COMMIT")
            except StateError:
                unwrite()
                raise
            except sqlite3.Error as exc:
                unwrite()
                raise state_error(self.path, exc) from exc
        except BaseException:
            self._rollback()
            raise
        return True

    @_writes
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

    def fetches(self, urls: Iterable[str]) -> dict[str, FetchRecord]:
        """`fetch` for many URLs at once (a sitemap's links): the known ones, by URL."""
        found: dict[str, FetchRecord] = {}
        for chunk in self._chunks(urls):
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(
                f"""SELECT url, canonical_url, etag, last_modified, lastmod, published_at,
                           first_seen, last_checked
                    FROM fetches WHERE url IN ({marks})""",
                chunk,
            ):
                found[row[0]] = FetchRecord(*row)
        return found

    @_writes
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

    @_writes
    def checked(self, url: str, now: datetime | None = None) -> None:
        """A conditional request for `url` answered 304 Not Modified."""
        self._db.execute("UPDATE fetches SET last_checked = ? WHERE url = ?", (utc_stamp(now), url))

    # -- near-duplicate signatures -------------------------------------------------------------

    @_writes
    def record_signature(
        self,
        article_id: str,
        site: str,
        minhash: bytes,
        duplicate_of: str | None,
        now: datetime | None = None,
    ) -> None:
        """Store (or, for a new revision, replace) an article's body signature and its band keys;
        the first sighting time and the link to the earliest copy are kept."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            old = self._db.execute(
                "SELECT minhash FROM signatures WHERE id = ?", (article_id,)
            ).fetchone()
            if old is not None:
                self._db.executemany(
                    "DELETE FROM signature_bands WHERE band_key = ? AND article_id = ?",
                    ((key, article_id) for key in band_keys(bytes(old[0]))),
                )
            self._db.execute(
                """INSERT INTO signatures (id, site, first_seen, duplicate_of, minhash)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (id) DO UPDATE SET minhash = excluded.minhash""",
                (article_id, site, utc_stamp(now), duplicate_of, minhash),
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO signature_bands (band_key, article_id) VALUES (?, ?)",
                ((key, article_id) for key in band_keys(minhash)),
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def has_signature(self, article_id: str) -> bool:
        row = self._db.execute("SELECT 1 FROM signatures WHERE id = ?", (article_id,)).fetchone()
        return row is not None

    def signatures(self) -> Iterator[tuple[str, str, str | None, bytes]]:
        """(id, first_seen, duplicate_of, minhash) of every stored signature."""
        for row in self._db.execute("SELECT id, first_seen, duplicate_of, minhash FROM signatures"):
            yield str(row[0]), str(row[1]), row[2], bytes(row[3])

    def similar_signatures(self, minhash: bytes) -> list[SignatureRecord]:
        """The stored signatures sharing a band key with `minhash`: near-duplicate candidates."""
        keys = band_keys(minhash)
        if not keys:
            return []
        rows = self._db.execute(
            f"""SELECT id, first_seen, duplicate_of, minhash FROM signatures
                WHERE id IN (SELECT article_id FROM signature_bands
                             WHERE band_key IN ({",".join("?" * len(keys))}))""",
            keys,
        )
        return [SignatureRecord(str(r[0]), str(r[1]), r[2], bytes(r[3])) for r in rows]

    def signature_records(self, article_ids: Iterable[str]) -> dict[str, SignatureRecord]:
        """The stored signatures of these articles, by id (those that have one)."""
        found: dict[str, SignatureRecord] = {}
        for chunk in self._chunks(article_ids):
            for row in self._db.execute(
                f"""SELECT id, first_seen, duplicate_of, minhash FROM signatures
                    WHERE id IN ({",".join("?" * len(chunk))})""",
                chunk,
            ):
                found[row[0]] = SignatureRecord(str(row[0]), str(row[1]), row[2], bytes(row[3]))
        return found

    def leave_wal(self) -> None:
        """Fold the WAL into the database file and stop using one, so that the file alone holds
        the state (to be moved or copied); the next open switches back to WAL."""
        self._db.execute("PRAGMA journal_mode=DELETE")

    def close(self) -> None:
        self._db.close()
