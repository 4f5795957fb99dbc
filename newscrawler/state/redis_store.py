"""The crawl state in Redis, shared by every worker of a distributed crawl (see distributed.py).

Same interface and semantics as SqliteArticleState. Each table is one Redis hash, keyed like the
SQLite primary key, whose values are JSON: one round trip per lookup, one per 1,000 URLs for the
batched `articles` / `fetches` (HMGET), and HLEN counts articles.

Near-duplicate signatures (`signatures`: JSON of the article's site, first sighting and link, a
newline, then the raw uint32 MinHash values) are indexed by their band keys (see
`newscrawler.signatures.band_keys`) in 65,536 hashes `state:bands:<first 2 bytes, hex>`, field
= the other 6 bytes, value = the ids (space-separated) of the articles with that band. Small
hashes keep Redis's compact listpack encoding, where one key per band key would cost some 200
bytes each. A query is one round trip: a Lua script reads the 28 band fields and returns the
candidates' signatures (HMGET). Another stores a signature and its bands atomically, so workers
storing at once lose no band entry, and a new revision's old band entries go with it; storing a
new article is one round trip too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

import redis

from newscrawler.defaults import setting_default
from newscrawler.items import Article
from newscrawler.signatures import BAND_SCHEME, band_keys
from newscrawler.state.errors import StateWriteError
from newscrawler.state.records import ArticleRecord, FetchRecord, SignatureRecord, utc_stamp

__all__ = ["DEFAULT_PREFIX", "RedisArticleState"]

DEFAULT_PREFIX: str = setting_default("NEWSCRAWLER_REDIS_PREFIX")
# Fields per HMGET of a batched lookup: one round trip each.
_CHUNK = 1000

# KEYS[1]: the signatures hash; KEYS[2..]: band hashes. ARGV: article id, then "set" (store
# ARGV[3] as the signature if the stored value still equals ARGV[2], else return 0: another
# worker changed it in between) or "bands" (band entries only), then how many of the band fields
# ARGV[5..] (one per band hash, in order) lose the id; the rest gain it.
_STORE_SCRIPT = """
local id = ARGV[1]
if ARGV[2] == 'set' then
  if (redis.call('HGET', KEYS[1], id) or '') ~= ARGV[3] then return 0 end
  redis.call('HSET', KEYS[1], id, ARGV[4])
end
local removed = tonumber(ARGV[5])
for i = 2, #KEYS do
  local field = ARGV[4 + i]
  local ids = redis.call('HGET', KEYS[i], field)
  local kept, found = {}, false
  if ids then
    for member in string.gmatch(ids, '%S+') do
      if member == id then found = true else kept[#kept + 1] = member end
    end
  end
  if i - 1 <= removed then
    if found then
      if #kept == 0 then redis.call('HDEL', KEYS[i], field)
      else redis.call('HSET', KEYS[i], field, table.concat(kept, ' ')) end
    end
  elseif not found then
    redis.call('HSET', KEYS[i], field, ids and (ids .. ' ' .. id) or id)
  end
end
return 1
"""
# KEYS[1]: the fetches hash. ARGV: URL, canonical URL, time, then name, value pairs of the
# validators and dates given. As SQLite's upsert, atomically (workers may record the same URL).
_FETCH_SCRIPT = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local row = raw and cjson.decode(raw) or {first_seen = ARGV[3]}
row.canonical_url = ARGV[2]
row.last_checked = ARGV[3]
for i = 4, #ARGV, 2 do row[ARGV[i]] = ARGV[i + 1] end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(row))
"""
# KEYS[1]: the signatures hash; KEYS[2..]: band hashes; ARGV: the band fields, one per band
# hash. Returns id, signature, id, signature... of the articles filed under any of them.
_QUERY_SCRIPT = """
local ids, seen = {}, {}
for i = 2, #KEYS do
  local members = redis.call('HGET', KEYS[i], ARGV[i - 1])
  if members then
    for member in string.gmatch(members, '%S+') do
      if not seen[member] then seen[member] = true; ids[#ids + 1] = member end
    end
  end
end
if #ids == 0 then return {} end
local found = {}
for start = 1, #ids, 1000 do  -- unpack() has a stack limit
  local last = math.min(start + 999, #ids)
  local values = redis.call('HMGET', KEYS[1], unpack(ids, start, last))
  for i = start, last do
    local value = values[i - start + 1]
    if value then found[#found + 1] = ids[i]; found[#found + 1] = value end
  end
end
return found
"""


class RedisArticleState:
    """Seen articles by canonical URL and by content hash, plus fetches and signatures."""

    def __init__(self, url: str, prefix: str = DEFAULT_PREFIX) -> None:
        self._db = redis.Redis.from_url(url)
        key = f"{prefix}state:"
        self._articles = key + "articles"
        self._hashes = key + "hashes"
        self._fetches = key + "fetches"
        self._signatures = key + "signatures"
        self._bands = key + "bands:"
        self._band_scheme = key + "band-scheme"
        self._store = self._db.register_script(_STORE_SCRIPT)
        self._query = self._db.register_script(_QUERY_SCRIPT)
        self._record_fetch = self._db.register_script(_FETCH_SCRIPT)
        self._index_signatures()

    def _band_fields(self, minhash: bytes) -> list[tuple[str, bytes]]:
        """(band hash, field) of each band key of a signature."""
        fields = []
        for key in band_keys(minhash):
            raw = key.to_bytes(8, "big", signed=True)
            fields.append((self._bands + raw[:2].hex(), raw[2:]))
        return fields

    def _index_signatures(self) -> None:
        """Band entries for signatures stored before them (by an earlier version): once. Adding
        an entry twice changes nothing, so workers starting together may all do it."""
        scheme = self._db.get(self._band_scheme)
        if scheme == BAND_SCHEME.encode():
            return
        for key, raw in self._db.hscan_iter(self._signatures, count=1000):
            fields = self._band_fields(_decode_signature(raw)[3])
            keys = [self._signatures] + [bucket for bucket, _ in fields]
            self._store(keys, [key, "bands", "", "", 0] + [field for _, field in fields])
        self._db.set(self._band_scheme, BAND_SCHEME)

    def _get(self, table: str, key: str) -> dict[str, Any] | None:
        raw = self._db.hget(table, key)
        return json.loads(raw) if raw else None

    def _put(self, table: str, key: str, value: dict[str, Any]) -> None:
        self._db.hset(table, key, json.dumps(value, separators=(",", ":")))

    def _get_many(self, table: str, keys: Iterable[str]) -> Iterator[tuple[str, dict[str, Any]]]:
        batch = list(dict.fromkeys(keys))
        for start in range(0, len(batch), _CHUNK):
            chunk = batch[start : start + _CHUNK]
            for key, raw in zip(chunk, self._db.hmget(table, chunk), strict=True):
                if raw:
                    yield key, json.loads(raw)

    # -- articles ----------------------------------------------------------------------------

    def has_url(self, canonical_url: str) -> bool:
        return bool(self._db.hexists(self._articles, canonical_url))

    def url_for_hash(self, content_hash: str) -> str | None:
        """The canonical URL of an article already written with this content hash, if any."""
        raw = self._db.hget(self._hashes, content_hash)
        return raw.decode() if isinstance(raw, bytes) else None

    def article(self, canonical_url: str) -> ArticleRecord | None:
        row = self._get(self._articles, canonical_url)
        return None if row is None else _article(canonical_url, row)

    def articles(self, canonical_urls: Iterable[str]) -> dict[str, ArticleRecord]:
        """`article` for many URLs at once: the known ones, by URL (one round trip per 1,000)."""
        return {u: _article(u, row) for u, row in self._get_many(self._articles, canonical_urls)}

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

    def write_article(
        self,
        article: Article,
        write: Callable[[], None],
        unwrite: Callable[[], None],
        now: datetime | None = None,
    ) -> bool:
        """As SqliteArticleState.write_article: check, `write` the line, record; a failure to
        record calls `unwrite`. Workers never crawl one URL twice (the shared queue's
        fingerprints), so the check and the record need no lock spanning them here."""
        known = self.article(article.canonical_url)
        if known is not None and (
            known.revision >= article.revision or known.content_hash == article.content_hash
        ):
            return False
        write()
        try:
            self.record(article, now)
        except redis.RedisError as exc:
            unwrite()
            # Named by its key, not its URL, which may hold a password.
            raise StateWriteError(f"redis:{self._articles}", str(exc)) from exc
        return True

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
        return None if row is None else _fetch(url, row)

    def fetches(self, urls: Iterable[str]) -> dict[str, FetchRecord]:
        """`fetch` for many URLs at once (a sitemap's links): the known ones, by URL, one round
        trip per 1,000."""
        return {url: _fetch(url, row) for url, row in self._get_many(self._fetches, urls)}

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
        given = {
            "etag": etag,
            "last_modified": last_modified,
            "lastmod": lastmod,
            "published_at": published_at,
        }
        args = [url, canonical_url, utc_stamp(now)]
        for name, value in given.items():
            if value is not None:
                args += [name, value]
        self._record_fetch([self._fetches], args)

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
        """Store (or, for a new revision, replace) an article's body signature and its band keys;
        the first sighting time and the link to the earliest copy are kept."""
        old = b""  # the usual case, a new article: one round trip
        while True:
            if old:
                known_site, first_seen, linked, old_minhash = _decode_signature(old)
                meta = {"site": known_site, "first_seen": first_seen, "duplicate_of": linked}
                removed = self._band_fields(old_minhash)
            else:
                meta = {"site": site, "first_seen": utc_stamp(now), "duplicate_of": duplicate_of}
                removed = []
            value = json.dumps(meta, separators=(",", ":")).encode() + b"\n" + minhash
            fields = removed + self._band_fields(minhash)
            keys = [self._signatures] + [bucket for bucket, _ in fields]
            args: list[str | bytes | int] = [article_id, "set", old, value, len(removed)]
            args += [field for _, field in fields]
            if self._store(keys, args):
                return
            # Stored already (a new revision), or by another worker in between: start again
            # from the stored value.
            raw = self._db.hget(self._signatures, article_id)
            old = raw if isinstance(raw, bytes) else b""

    def has_signature(self, article_id: str) -> bool:
        return bool(self._db.hexists(self._signatures, article_id))

    def signatures(self) -> Iterator[tuple[str, str, str | None, bytes]]:
        """(id, first_seen, duplicate_of, minhash) of every stored signature."""
        for key, raw in self._db.hscan_iter(self._signatures, count=1000):
            _, first_seen, duplicate_of, minhash = _decode_signature(raw)
            yield key.decode(), first_seen, duplicate_of, minhash

    def similar_signatures(self, minhash: bytes) -> list[SignatureRecord]:
        """The stored signatures sharing a band key with `minhash`: near-duplicate candidates,
        in one round trip."""
        fields = self._band_fields(minhash)
        if not fields:
            return []
        keys = [self._signatures] + [bucket for bucket, _ in fields]
        flat = self._query(keys, [field for _, field in fields])
        found = []
        for key, raw in zip(flat[::2], flat[1::2], strict=True):
            _, first_seen, duplicate_of, values = _decode_signature(raw)
            found.append(SignatureRecord(key.decode(), first_seen, duplicate_of, values))
        return found

    def signature_records(self, article_ids: Iterable[str]) -> dict[str, SignatureRecord]:
        """The stored signatures of these articles, by id (those that have one)."""
        batch = list(dict.fromkeys(article_ids))
        found: dict[str, SignatureRecord] = {}
        for start in range(0, len(batch), _CHUNK):
            chunk = batch[start : start + _CHUNK]
            for article_id, raw in zip(chunk, self._db.hmget(self._signatures, chunk), strict=True):
                if raw:
                    _, first_seen, duplicate_of, minhash = _decode_signature(raw)
                    found[article_id] = SignatureRecord(
                        article_id, first_seen, duplicate_of, minhash
                    )
        return found

    def clear(self) -> None:
        """Forget everything (tests, benchmarks)."""
        self._db.delete(self._articles, self._hashes, self._fetches, self._signatures)
        self._db.delete(self._band_scheme)
        for keys in _batched(self._db.scan_iter(match=self._bands + "*", count=1000), 1000):
            self._db.delete(*keys)

    def close(self) -> None:
        self._db.close()


def _article(canonical_url: str, row: dict[str, Any]) -> ArticleRecord:
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


def _fetch(url: str, row: dict[str, Any]) -> FetchRecord:
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


def _decode_signature(raw: bytes | str) -> tuple[str, str, str | None, bytes]:
    """(site, first_seen, duplicate_of, minhash) of a stored signature: JSON, a newline, the raw
    values; or, as stored by earlier versions, JSON with the values in hex."""
    if isinstance(raw, str):  # not with this client (decode_responses is off)
        raise TypeError("signatures are read as bytes")
    if raw.startswith(b"{") and b"\n" not in raw:
        row = json.loads(raw)
        return (
            row.get("site", ""),
            row["first_seen"],
            row["duplicate_of"],
            bytes.fromhex(row["minhash"]),
        )
    head, _, minhash = raw.partition(b"\n")
    row = json.loads(head)
    return row["site"], row["first_seen"], row["duplicate_of"], minhash


def _batched(items: Iterable[bytes], size: int) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
