"""Per-article costs on the item path, each beside the code it replaced, in this one process.

1. Scrapy's handling of a response's output: `Scraper.handle_spider_output_async` runs it
   through `_parallel_asyncio` with CONCURRENT_ITEMS tasks; an article page gives one item.
   Scrapy's default (100) against the project's setting (16, newscrawler/settings.py).
2. `Article.to_dict` (one level of copying) against `dataclasses.asdict`.
3. `body_minhash` (hashes in batch) against datasketch's `MinHash.update_batch` on the same
   shingles; the signatures are checked equal first.

The articles are extracted and normalized from the usable pages of the real corpora (the page
templates of benchmarks/corpus_site.py). Each pair is timed in alternation, best of --rounds.

    python benchmarks/item_path.py [--articles 500] [--rounds 5] [--corpora ../shared/corpora]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent)]

from corpus_site import SITE_ID, load_templates, site_toml  # noqa: E402
from datasketch import MinHash  # noqa: E402
from extraction import DEFAULT_CORPORA  # noqa: E402
from scrapy.utils.asyncio import _parallel_asyncio  # noqa: E402

from newscrawler.extraction.article import page_to_article  # noqa: E402
from newscrawler.items import Article  # noqa: E402
from newscrawler.pipelines.normalize import normalize_article  # noqa: E402
from newscrawler.settings import CONCURRENT_ITEMS  # noqa: E402
from newscrawler.signatures import (  # noqa: E402
    NUM_PERM,
    SCHEME,
    body_minhash,
    minhash_permutations,
    shingles,
)
from newscrawler.sites.files import load_site_file  # noqa: E402

SCRAPY_DEFAULT_CONCURRENT_ITEMS = 100
BASE = "http://127.0.0.1:9"


def articles(corpora: Path, count: int, tmp: Path) -> list[Article]:
    templates, _ = load_templates(corpora)
    path = tmp / f"{SITE_ID}.toml"
    path.write_text(site_toml(BASE), encoding="utf-8")
    site = load_site_file(path)
    found = []
    for number, template in enumerate(templates[:count]):
        url = f"{BASE}/news/{number}.html"
        # Templates are pages that give an article (benchmarks/corpus_site.py).
        article = page_to_article(site, url, template.render(url, number), "text/html").article
        if article is not None:
            found.append(normalize_article(article))
    return found


def datasketch_minhash(body: list[str]) -> MinHash:
    minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME, permutations=minhash_permutations())
    minhash.update_batch([s.encode() for s in shingles(body)])
    return minhash


def per_item(function: Callable[[Any], Any], items: list[Any], rounds: int) -> float:
    """Best of `rounds`, in ms per item."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for item in items:
            function(item)
        best = min(best, (time.perf_counter() - started) / len(items))
    return best * 1000


def output_handling(count: int, responses: int, rounds: int) -> float:
    """ms per response for one item through `_parallel_asyncio` with `count` tasks."""

    async def pipeline(item: object) -> None:
        return None

    async def run() -> float:
        best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            for _ in range(responses):
                await _parallel_asyncio(iter([object()]), count, pipeline)
            best = min(best, (time.perf_counter() - started) / responses)
        return best * 1000

    return asyncio.run(run())


def row(name: str, before: float, after: float) -> None:
    print(f"{name:<44} {before:>8.3f} {after:>8.3f} {before / after:>7.1f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--corpora", type=Path, default=DEFAULT_CORPORA, help="default ../shared/corpora"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        items = articles(args.corpora, args.articles, Path(tmp))
    bodies = [a.body for a in items]
    for body in bodies:
        ours, theirs = body_minhash(body), datasketch_minhash(body)
        if ours.hashvalues.tolist() != theirs.hashvalues.tolist():
            raise SystemExit(f"body_minhash differs from datasketch on {body[:1]}")
    for article in items:
        if article.to_dict() != dataclasses.asdict(article):
            raise SystemExit(f"to_dict differs from dataclasses.asdict on {article.url}")
    paragraphs = sum(len(b) for b in bodies) / len(bodies)
    print(
        f"{len(items)} real articles ({paragraphs:.0f} paragraphs on average); best of"
        f" {args.rounds} rounds"
    )
    print(f"{'ms per article':<44} {'before':>8} {'after':>8} {'ratio':>8}")
    default = output_handling(SCRAPY_DEFAULT_CONCURRENT_ITEMS, len(items), args.rounds)
    ours = output_handling(CONCURRENT_ITEMS, len(items), args.rounds)
    row(f"response output, CONCURRENT_ITEMS 100 -> {CONCURRENT_ITEMS}", default, ours)
    row(
        "Article as a dict: asdict -> to_dict",
        per_item(dataclasses.asdict, items, args.rounds),
        per_item(Article.to_dict, items, args.rounds),
    )
    row(
        "body MinHash: update_batch -> body_minhash",
        per_item(datasketch_minhash, bodies, args.rounds),
        per_item(body_minhash, bodies, args.rounds),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
