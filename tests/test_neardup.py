"""Syndicated copies: the seed wire story, its Kyodo copy and an edited Japan Times rewrite are
linked to the earliest copy, across sites and runs; different stories on the same topic are not.
Texts: fixtures/incremental/ (rewrites written by us)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import redis
from datasketch import MinHash
from scrapy.exceptions import DropItem

from newscrawler.extraction.encoding import decode_html
from newscrawler.incremental.neardup import DEFAULT_THRESHOLD, NearDuplicateIndex
from newscrawler.items import Article
from newscrawler.pipelines.deduplicate import DeduplicateArticlesPipeline
from newscrawler.pipelines.neardup import LinkNearDuplicatesPipeline
from newscrawler.pipelines.normalize import normalize_article
from newscrawler.signatures import (
    BAND_SCHEME,
    NUM_PERM,
    SCHEME,
    SIGNATURE_BANDS,
    band_keys,
    body_minhash,
    minhash_permutations,
    shingles,
)
from newscrawler.state import ArticleState
from newscrawler.state.redis_store import RedisArticleState
from newscrawler.state.sqlite import SqliteArticleState

from .conftest import FIXTURES
from .faulty_server import FaultyServer, crawl_test_site, reply
from .test_distributed import REDIS_URL, redis_prefix
from .test_incremental import article_html, read_lines

__all__ = ["redis_prefix"]  # the fixture, re-exported for pytest

TEXTS = FIXTURES / "incremental"


def seed() -> tuple[str, list[str]]:
    lines = (FIXTURES / "jmh" / "seed" / "000_570d4b081ac06c31.txt").read_text("utf-8")
    kept = [s.strip() for s in lines.splitlines()]
    kept = [s for s in kept if s and s != "print PRINT" and not s.startswith("•")]
    return kept[0], kept[1:]


def text(name: str) -> tuple[str, list[str]]:
    if name == "seed":
        return seed()
    title, *body = (TEXTS / f"{name}.txt").read_text("utf-8").splitlines()
    return title, body


def article(name: str, site: str, url: str) -> Article:
    title, body = text(name)
    return normalize_article(Article(url=url, canonical_url=url, site=site, title=title, body=body))


def jaccard(a: str, b: str) -> float:
    return float(body_minhash(text(a)[1]).jaccard(body_minhash(text(b)[1])))


def test_measured_similarities_sit_on_either_side_of_the_threshold() -> None:
    # The numbers the README and settings.py quote.
    assert jaccard("seed", "kyodo") > 0.85
    assert 0.35 < jaccard("seed", "japantimes") < 0.5
    for other in ("other_tillerson_seoul", "other_missile_launch"):
        for name in ("seed", "kyodo", "japantimes"):
            assert jaccard(name, other) < 0.05
    assert DEFAULT_THRESHOLD == 0.2


def test_body_minhash_gives_datasketchs_own_values() -> None:
    # body_minhash computes the hashes in batch; stored signatures must stay what datasketch's
    # update_batch gives, on English and Japanese bodies, and on empty and one-word ones.
    japanese = []
    for path in sorted((FIXTURES / "encodings" / "japanese").glob("*/*.*ml")):
        decoded = decode_html(path.read_bytes(), "text/html").text
        japanese.append([line for line in decoded.splitlines() if line.strip()])
    bodies = [text(name)[1] for name in ("seed", "kyodo", "japantimes", "other_missile_launch")]
    bodies += [*japanese, [], [""], ["word"], ["東"], ["two words"]]
    assert len(japanese) >= 20
    for body in bodies:
        reference = MinHash(num_perm=NUM_PERM, scheme=SCHEME, permutations=minhash_permutations())
        reference.update_batch([s.encode() for s in shingles(body)])
        minhash = body_minhash(body)
        assert minhash.hashvalues.dtype == reference.hashvalues.dtype
        assert minhash.hashvalues.tolist() == reference.hashvalues.tolist(), body[:2]
        assert minhash.scheme == SCHEME and minhash.jaccard(reference) == 1.0


def test_shingles_are_pairs_of_consecutive_words() -> None:
    assert shingles(["The cat sat.", "The cat"]) == {"the cat", "cat sat", "sat the"}
    # Each Han or kana character is a word; Latin words keep their letters and digits together.
    assert shingles(["東京で G7"]) == {"東 京", "京 で", "で g7"}
    assert shingles(["one"]) == {"one"} and shingles([" "]) == set()


def pipelines(state: ArticleState, drop: bool = False) -> list[Any]:
    return [
        DeduplicateArticlesPipeline(state, drop_copies=drop),
        LinkNearDuplicatesPipeline(NearDuplicateIndex(state), drop_copies=drop),
    ]


def write(pipes: list[Any], state: ArticleState, item: Article) -> Article:
    for pipe in pipes:
        item = pipe.process_item(item)
    state.record(item)  # as the writer does, after the line
    pipes[1].item_scraped(item)
    return item


def test_copies_link_to_the_earliest_across_sites_and_runs(tmp_path: Path) -> None:
    state = SqliteArticleState(tmp_path / "s.sqlite3")
    original = write(pipelines(state), state, article("seed", "jmh", "https://jmh.example/a"))
    assert original.duplicate_of is None
    state.close()

    # A later run, other sites: the state's signatures and band keys are the index.
    state = SqliteArticleState(tmp_path / "s.sqlite3")
    pipes = pipelines(state)
    kyodo = write(pipes, state, article("kyodo", "kyodo", "https://kyodo.example/b"))
    edited = write(pipes, state, article("japantimes", "japantimes", "https://jt.example/c"))
    exact = write(pipes, state, article("seed", "mirror", "https://mirror.example/d"))
    others = [
        write(pipes, state, article(name, "jmh", f"https://jmh.example/{name}"))
        for name in ("other_tillerson_seoul", "other_missile_launch")
    ]
    assert kyodo.duplicate_of == original.id
    assert edited.duplicate_of == original.id  # the root, not the Kyodo copy it resembles too
    assert exact.duplicate_of == original.id
    assert [o.duplicate_of for o in others] == [None, None]
    state.close()


def test_a_setting_drops_copies_instead(tmp_path: Path) -> None:
    state = SqliteArticleState(tmp_path / "s.sqlite3")
    pipes = pipelines(state, drop=True)
    write(pipes, state, article("seed", "jmh", "https://jmh.example/a"))
    with pytest.raises(DropItem, match="near-duplicate"):
        write(pipes, state, article("japantimes", "japantimes", "https://jt.example/c"))
    other = write(pipes, state, article("other_missile_launch", "jmh", "https://jmh.example/m"))
    assert other.duplicate_of is None


def test_a_crawl_links_copies_found_in_a_later_run(tmp_path: Path) -> None:
    routes: dict[str, Any] = {}
    with FaultyServer(routes) as server:
        routes["/robots.txt"] = reply("User-agent: *\nAllow: /\n", content_type="text/plain")
        pages = {"/news/seed": "seed"}

        def sitemap(handler: Any) -> None:
            locs = "".join(f"<url><loc>{server.base}{p}</loc></url>" for p in pages)
            xml = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
            reply(xml, content_type="application/xml")(handler)

        routes["/sitemap.xml"] = sitemap
        for name in ("seed", "kyodo", "japantimes", "other_tillerson_seoul"):
            routes[f"/news/{name}"] = reply(article_html(*text(name)))
        first = crawl_test_site(server.url("/sitemap.xml"), tmp_path, extra_args=[])
        assert first.returncode == 0, first.stderr[-3000:]
        pages.update({f"/news/{n}": n for n in ("kyodo", "japantimes", "other_tillerson_seoul")})
        second = crawl_test_site(server.url("/sitemap.xml"), tmp_path, output=None,
                                 extra_args=["-o", "out.jsonl"])  # fmt: skip
        assert second.returncode == 0, second.stderr[-3000:]
    lines = {a["url"].rsplit("/", 1)[1]: a for a in read_lines(tmp_path / "out.jsonl")}
    root = lines["seed"]["id"]
    assert lines["seed"]["duplicate_of"] is None
    assert lines["kyodo"]["duplicate_of"] == root
    assert lines["japantimes"]["duplicate_of"] == root
    assert lines["other_tillerson_seoul"]["duplicate_of"] is None
    assert second.stat("newscrawler/neardup/linked") == 2


def test_a_signature_lost_to_a_kill_after_the_write_is_restored_from_the_output(
    tmp_path: Path,
) -> None:
    # The line is on disk, but the process died before the state learned of the article and
    # its signature: the next start reconciles both from the output.
    from newscrawler.pipelines.write import JsonLinesWriter
    from newscrawler.state.recover import reconcile_output

    original = article("seed", "jmh", "https://jmh.usembassy.gov/2017031517228/")
    out = tmp_path / "out.jsonl"
    writer = JsonLinesWriter(out)
    writer.write(original.to_dict())
    writer.close()
    state = SqliteArticleState(tmp_path / "state.sqlite3")
    assert not state.has_signature(original.id)
    assert reconcile_output(state, out) == 1
    assert state.has_signature(original.id)
    copy = article("kyodo", "kyodo", "https://english.kyodonews.net/news/2017/03/tillerson.html")
    index = NearDuplicateIndex(state)
    assert index.earliest_copy(body_minhash(copy.body)) == original.id


# -- the index in the state: shared, revised, migrated -----------------------------------------


def test_the_bands_are_datasketchs_own_for_the_threshold() -> None:
    from datasketch import MinHashLSH

    from newscrawler.signatures import BAND_ROWS, SIGNATURE_BANDS

    lsh = MinHashLSH(threshold=DEFAULT_THRESHOLD, num_perm=NUM_PERM)
    assert (lsh.b, lsh.r) == (SIGNATURE_BANDS, BAND_ROWS)


def two_stores(tmp_path: Path, prefix: str) -> list[ArticleState]:
    return [SqliteArticleState(tmp_path / "s.sqlite3"), RedisArticleState(REDIS_URL, prefix)]


def test_two_redis_workers_see_each_others_articles_during_the_run(redis_prefix: str) -> None:
    # Two worker processes: each its own store connection, index and pipelines, both started
    # before either has written anything.
    a_state = RedisArticleState(REDIS_URL, redis_prefix)
    b_state = RedisArticleState(REDIS_URL, redis_prefix)
    worker_a, worker_b = pipelines(a_state), pipelines(b_state)
    original = write(worker_a, a_state, article("seed", "jmh", "https://jmh.example/a"))
    copy = write(worker_b, b_state, article("kyodo", "kyodo", "https://kyodo.example/b"))
    assert copy.duplicate_of == original.id
    # And the other way round: B's article is A's original too.
    other = write(worker_b, b_state, article("other_missile_launch", "jmh", "https://j.example/m"))
    assert other.duplicate_of is None
    title, body = text("other_missile_launch")
    url = "https://mirror.example/m"
    mirror = normalize_article(
        Article(url=url, canonical_url=url, site="mirror", title=title, body=[*body, "Mirror."])
    )
    assert write(worker_a, a_state, mirror).duplicate_of == other.id
    for state in (a_state, b_state):
        state.close()


def test_a_copy_is_linked_before_its_originals_line_is_written(redis_prefix: str) -> None:
    state = RedisArticleState(REDIS_URL, redis_prefix)
    pipes = pipelines(state)
    original = article("seed", "jmh", "https://jmh.example/a")
    for pipe in pipes:
        original = pipe.process_item(original)
    assert not state.has_signature(original.id)  # on its way to the writer
    copy = article("kyodo", "kyodo", "https://kyodo.example/b")
    for pipe in pipes:
        copy = pipe.process_item(copy)
    assert copy.duplicate_of == original.id
    pipes[1].item_scraped(original)
    assert state.has_signature(original.id) and pipes[1].index.pending.keys() == {copy.id}
    state.close()


@pytest.mark.parametrize("store", ["sqlite", "redis"])
def test_a_new_revision_replaces_the_signature_and_its_bands(
    store: str, redis_prefix: str, tmp_path: Path
) -> None:
    state = two_stores(tmp_path, redis_prefix)[store == "redis"]
    index = NearDuplicateIndex(state)
    first = body_minhash(text("seed")[1])
    second = body_minhash(text("other_tillerson_seoul")[1])
    index.add("a1", first)
    index.store("a1", "jmh")
    assert index.earliest_copy(body_minhash(text("kyodo")[1])) == "a1"
    # The article was rewritten into another story: its old body no longer finds it.
    index.add("a1", second)
    assert index.earliest_copy(body_minhash(text("kyodo")[1])) is None  # pending replaces too
    assert index.earliest_copy(second, exclude=("x",)) == "a1"
    index.store("a1", "jmh")
    assert index.earliest_copy(body_minhash(text("kyodo")[1])) is None
    assert index.earliest_copy(second) == "a1"
    assert [r.id for r in state.similar_signatures(first.hashvalues.tobytes())] == []
    assert band_entries(state, "a1") == sorted(band_keys(second.hashvalues.tobytes()))
    state.close()


def band_entries(state: ArticleState, article_id: str) -> list[int]:
    """The band keys stored for an article, read from the store's own tables."""
    if isinstance(state, SqliteArticleState):
        rows = state._db.execute(
            "SELECT band_key FROM signature_bands WHERE article_id = ?", (article_id,)
        )
        return sorted(int(row[0]) for row in rows)
    assert isinstance(state, RedisArticleState)
    keys = []
    for bucket in state._db.scan_iter(match=state._bands + "*", count=1000):
        for field, ids in state._db.hgetall(bucket).items():
            assert isinstance(ids, bytes) and isinstance(field, bytes)
            if article_id in ids.decode().split():
                raw = bytes.fromhex(bucket.decode().rsplit(":", 1)[1]) + field
                keys.append(int.from_bytes(raw, "big", signed=True))
    return sorted(keys)


# The state file of the release before band keys: `signatures` without `signature_bands`.
_OLD_SCHEMA = """
CREATE TABLE articles (canonical_url TEXT PRIMARY KEY, id TEXT NOT NULL, site TEXT NOT NULL,
    content_hash TEXT NOT NULL, revision INTEGER NOT NULL, first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL, modified_at TEXT, duplicate_of TEXT);
CREATE TABLE signatures (id TEXT PRIMARY KEY, site TEXT NOT NULL, first_seen TEXT NOT NULL,
    duplicate_of TEXT, minhash BLOB NOT NULL);
"""


def test_an_older_sqlite_state_gains_band_keys_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(_OLD_SCHEMA)
    seed = body_minhash(text("seed")[1]).hashvalues.tobytes()
    other = body_minhash(text("other_missile_launch")[1]).hashvalues.tobytes()
    db.executemany(
        "INSERT INTO signatures VALUES (?, ?, ?, ?, ?)",
        [
            ("root", "jmh", "2017-03-15T01:00:00Z", None, seed),
            ("copy", "kyodo", "2017-03-15T02:00:00Z", "root", seed),
            ("other", "jmh", "2017-03-15T03:00:00Z", None, other),
        ],
    )
    db.commit()
    db.close()
    state = SqliteArticleState(path)
    assert band_entries(state, "root") == sorted(band_keys(seed))
    assert len(band_entries(state, "other")) == SIGNATURE_BANDS
    index = NearDuplicateIndex(state)
    assert index.earliest_copy(body_minhash(text("japantimes")[1])) == "root"
    state.close()
    # Once: a second open finds the scheme recorded and builds nothing.
    state = SqliteArticleState(path)
    assert state._meta("signature_bands") == BAND_SCHEME
    assert state._db.execute("SELECT COUNT(*) FROM signature_bands").fetchone()[0] == 3 * 28
    state.close()


def test_an_older_redis_state_gains_band_keys_on_open(redis_prefix: str) -> None:
    # Earlier versions stored each signature as JSON with the values in hex, and no bands.
    client = redis.Redis.from_url(REDIS_URL)
    seed = body_minhash(text("seed")[1]).hashvalues.tobytes()
    row = {"site": "jmh", "first_seen": "2017-03-15T01:00:00Z", "duplicate_of": None}
    client.hset(
        redis_prefix + "state:signatures", "root", json.dumps(row | {"minhash": seed.hex()})
    )
    client.close()
    state = RedisArticleState(REDIS_URL, redis_prefix)
    assert band_entries(state, "root") == sorted(band_keys(seed))
    assert list(state.signatures()) == [("root", "2017-03-15T01:00:00Z", None, seed)]
    assert NearDuplicateIndex(state).earliest_copy(body_minhash(text("kyodo")[1])) == "root"
    # A new revision of it is stored in the new form, keeping its first sighting.
    state.record_signature("root", "jmh", seed, None)
    assert list(state.signatures()) == [("root", "2017-03-15T01:00:00Z", None, seed)]
    state.close()


def test_without_the_state_a_runs_signatures_live_in_a_temporary_file() -> None:
    index = NearDuplicateIndex(None)
    index.add("a1", body_minhash(text("seed")[1]))
    index.store("a1", "jmh")
    assert index.earliest_copy(body_minhash(text("kyodo")[1])) == "a1"
    folder = index._folder
    assert folder is not None and Path(folder).exists()
    index.close()
    assert not Path(folder).exists()
