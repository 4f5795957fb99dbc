"""The interface every crawl state store offers (SQLite on one machine, Redis for many workers)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from newscrawler.items import Article
from newscrawler.state.sqlite import ArticleRecord, FetchRecord

__all__ = ["ArticleState"]


class ArticleState(Protocol):
    """What the pipelines and the incremental crawl ask of the state; see SqliteArticleState."""

    def has_url(self, canonical_url: str) -> bool: ...
    def url_for_hash(self, content_hash: str) -> str | None: ...
    def article(self, canonical_url: str) -> ArticleRecord | None: ...
    def record(self, article: Article, now: datetime | None = None) -> None: ...
    def touch(self, canonical_url: str, now: datetime | None = None) -> None: ...
    def count(self) -> int: ...
    def fetch(self, url: str) -> FetchRecord | None: ...
    def record_fetch(
        self,
        url: str,
        canonical_url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        lastmod: str | None = None,
        published_at: str | None = None,
        now: datetime | None = None,
    ) -> None: ...
    def checked(self, url: str, now: datetime | None = None) -> None: ...
    def record_signature(
        self,
        article_id: str,
        site: str,
        minhash: bytes,
        duplicate_of: str | None,
        now: datetime | None = None,
    ) -> None: ...
    def has_signature(self, article_id: str) -> bool: ...
    def signatures(self) -> Iterator[tuple[str, str, str | None, bytes]]: ...
    def close(self) -> None: ...
