"""The Redis state store answers as the SQLite one for the same calls (real redis-server)."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from pathlib import Path

from newscrawler.items import Article
from newscrawler.state import ArticleState
from newscrawler.state.redis_store import RedisArticleState
from newscrawler.state.sqlite import SqliteArticleState

from .test_distributed import REDIS_URL, redis_prefix

__all__ = ["redis_prefix"]  # the fixture, re-exported for pytest

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_redis_store_matches_sqlite(redis_prefix: str, tmp_path: Path) -> None:
    stores: list[ArticleState] = [
        SqliteArticleState(tmp_path / "s.sqlite3"),
        RedisArticleState(REDIS_URL, redis_prefix),
    ]
    answers = []
    for store in stores:
        article = Article(url="https://x/a", canonical_url="https://x/a", id="a1", site="x")
        article.content_hash, article.revision = "h1", 1
        store.record(article, NOW)
        article.content_hash, article.revision = "h2", 2
        store.record(article, NOW)
        store.record_fetch("https://x/a?u=1", "https://x/a", etag='"e"', now=NOW)
        store.record_fetch("https://x/a?u=1", "https://x/a", lastmod="2026-01-01", now=NOW)
        store.record_signature("a1", "x", b"\x01\x02", None, NOW)
        answers.append(
            (
                store.has_url("https://x/a"),
                store.has_url("https://x/b"),
                store.url_for_hash("h1"),
                store.article("https://x/a"),
                store.fetch("https://x/a?u=1"),
                store.count(),
                store.has_signature("a1"),
                list(store.signatures()),
            )
        )
        store.close()
    assert answers[0] == answers[1]


def test_importing_the_distributed_crawl_warns_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        import newscrawler.distributed  # noqa: F401


def test_batched_lookups_answer_as_single_ones(redis_prefix: str, tmp_path: Path) -> None:
    # More URLs than one batch (500 in SQLite, 1,000 in Redis), repeated and unknown ones.
    urls = [f"https://x/{n}" for n in range(1300)]
    stores: list[ArticleState] = [
        SqliteArticleState(tmp_path / "s.sqlite3"),
        RedisArticleState(REDIS_URL, redis_prefix),
    ]
    answers = []
    for store in stores:
        for n, url in enumerate(urls[:1100]):
            article = Article(url=url, canonical_url=url, id=f"a{n}", site="x")
            article.content_hash = f"h{n}"
            store.record(article, NOW)
            store.record_fetch(url + "?src=feed", url, etag=f'"{n}"' if n % 2 else None, now=NOW)
        asked = urls + urls[:5]
        fetched = store.fetches(u + "?src=feed" for u in asked)
        known = store.articles(asked)
        assert fetched == {u + "?src=feed": store.fetch(u + "?src=feed") for u in urls[:1100]}
        assert known == {u: store.article(u) for u in urls[:1100]}
        assert store.fetches([]) == {} and store.articles([]) == {}
        answers.append((fetched, known))
        store.close()
    assert answers[0] == answers[1]
