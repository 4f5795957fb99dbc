"""Benchmark: the near-duplicate index at scale: adds and queries per second at N articles.

    python benchmarks/neardup_index.py [--articles 100000] [--queries 2000]

Bodies are generated (random words, 120 per article) so that no two are near duplicates;
queries mix exact copies of indexed bodies with unseen ones. Prints articles/s for adding,
queries/s at the full index size, the share of copies found, and peak RSS.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

from newscrawler.incremental.neardup import NearDuplicateIndex, body_minhash

WORDS = [f"w{i}" for i in range(20_000)]


def body(rng: random.Random) -> list[str]:
    return [" ".join(rng.choice(WORDS) for _ in range(40)) for _ in range(3)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2_000)
    args = parser.parse_args()
    rng = random.Random(7)
    index = NearDuplicateIndex()
    kept: list[list[str]] = []
    hashing = adding = 0.0
    for number in range(args.articles):
        paragraphs = body(rng)
        if number % (args.articles // args.queries or 1) == 0:
            kept.append(paragraphs)
        start = time.perf_counter()
        minhash = body_minhash(paragraphs)
        middle = time.perf_counter()
        index.add(f"a{number}", minhash)
        adding += time.perf_counter() - middle
        hashing += middle - start
    print(
        f"indexed {args.articles:,} articles: {args.articles / (hashing + adding):,.0f}/s "
        f"(signature {hashing / args.articles * 1e3:.2f} ms, LSH insert "
        f"{adding / args.articles * 1e3:.3f} ms each)"
    )
    copies = kept[: args.queries // 2]
    fresh = [body(rng) for _ in range(args.queries - len(copies))]
    start = time.perf_counter()
    found = sum(1 for p in copies if index.earliest_copy(body_minhash(p)) is not None)
    false = sum(1 for p in fresh if index.earliest_copy(body_minhash(p)) is not None)
    seconds = time.perf_counter() - start
    queries = len(copies) + len(fresh)
    print(
        f"queried at {args.articles:,}: {queries / seconds:,.0f} queries/s; "
        f"copies found {found}/{len(copies)}, unrelated bodies matched {false}/{len(fresh)}"
    )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
