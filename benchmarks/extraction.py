"""Extraction benchmark: newscrawler beside trafilatura on the same real pages, in one run.

    python benchmarks/extraction.py [--corpora ../shared/corpora] [--limit N] [--only fundus]

Corpora (each with its README and licence in the corpora folder):
- fundus: 258 pages, expected title/authors/date/topics/body per page;
- trafilatura-eval: ~1,000 pages, text that must / must not appear, title/author/date for most;
- newspaper4k: 30 pages, expected text and metadata;
- wcxb-dev: 809 pages of the WCXB development split (711 articles with title/author/date/main
  text, 98 listing pages that must be recognized as not-articles).

Body scores: for fundus and newspaper4k, 4-gram shingle precision/recall/F1 against the expected
text (character shingles for text without spaces, e.g. Japanese), averaged over pages; for
trafilatura-eval, its own snippet method (tp = "with" snippets found, fp = "without" snippets
found), summed over the corpus. Word F1 (WCXB's own metric, on every corpus with expected
text): tokens are lowercased word-character runs, multiset overlap, averaged over pages.
Title: equal after NFKC, casefolding, unified quotes and dashes and collapsed whitespace
(the visible-headline label convention). Date: same calendar day as the expected publication
date. Authors: same set of normalized names.
Tags: mean Jaccard. Speed: pages/s of newscrawler's full extraction (all fields, normalized)
against trafilatura's body-plus-metadata call on the same pages, interleaved per page.

Baselines beside ours: trafilatura 2.x `favor_precision` and default `extract` bodies (for F1)
and trafilatura's `bare_extraction(with_metadata=True)` (for metadata and speed).
Verdicts: article pages rejected as not-an-article (and which kind), article pages with an empty
body where either trafilatura call finds text, and listing pages recognized as not-articles.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dateparser
import trafilatura

from newscrawler.extraction.article import page_to_article
from newscrawler.extraction.language import detect_language
from newscrawler.items import Article
from newscrawler.pipelines.normalize import normalize_article

WARM_UP_PAGES = 10
DEFAULT_CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


@dataclass
class Case:
    corpus: str
    name: str
    url: str
    html: bytes
    title: str | None = None
    date: str | None = None
    authors: list[str] | None = None
    tags: list[str] | None = None
    body: str | None = None  # expected article text
    with_snippets: list[str] = field(default_factory=list)
    without_snippets: list[str] = field(default_factory=list)
    is_article: bool = True


def _version_key(key: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", key))


def load_fundus(root: Path) -> list[Case]:
    cases: list[Case] = []
    for meta_path in sorted(root.glob("*/meta.info")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        for expected_path in sorted(meta_path.parent.glob("*.json")):
            publisher = expected_path.stem
            versions = json.loads(expected_path.read_text(encoding="utf-8"))
            pages = sorted(meta_path.parent.glob(f"{publisher}_*.html.gz"))
            # One page per parser version, both in date order (checked: equal counts).
            for page, key in zip(pages, sorted(versions, key=_version_key), strict=False):
                expected = versions[key]
                body = expected.get("body") or {}
                paragraphs = list(body.get("summary") or [])
                for section in body.get("sections") or []:
                    paragraphs += section.get("headline") or []
                    paragraphs += section.get("paragraphs") or []
                cases.append(
                    Case(
                        corpus="fundus",
                        name=f"{meta_path.parent.name}/{page.name}",
                        url=meta.get(page.name, {}).get("url", ""),
                        html=gzip.decompress(page.read_bytes()),
                        title=expected.get("title"),
                        date=(expected.get("publishing_date") or None),
                        authors=expected.get("authors"),
                        tags=expected.get("topics"),
                        body="\n".join(paragraphs) or None,
                    )
                )
    return cases


def load_trafilatura(root: Path) -> list[Case]:
    data = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
    cases: list[Case] = []
    for url, entry in data.items():
        path = root / "eval" / (entry["file"] + ".gz")
        if not path.exists():
            path = root / "cache" / (entry["file"] + ".gz")
        if not path.exists():
            continue
        author = entry.get("author")
        if isinstance(author, list):
            author = ";".join(a for a in author if isinstance(a, str))
        cases.append(
            Case(
                corpus="trafilatura-eval",
                name=entry["file"],
                url=url,
                html=gzip.decompress(path.read_bytes()),
                title=entry.get("title"),
                date=entry.get("date"),
                authors=[a.strip() for a in author.split(";")] if author else None,
                with_snippets=list(entry.get("with") or []),
                without_snippets=list(entry.get("without") or []),
            )
        )
    return cases


def load_newspaper4k(root: Path) -> list[Case]:
    cases: list[Case] = []
    for html_path in sorted((root / "html").glob("*.html")):
        if "main_site" in html_path.stem:
            continue  # home pages, not articles
        meta_path = root / "metadata" / (html_path.stem + ".json")
        text_path = root / "txt" / (html_path.stem + ".txt")
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        authors = meta.get("authors")
        if isinstance(authors, str):
            authors = re.findall(r"'([^']+)'", authors)
        cases.append(
            Case(
                corpus="newspaper4k",
                name=html_path.name,
                url=meta.get("url") or f"https://example.invalid/{html_path.stem}",
                html=html_path.read_bytes(),
                title=meta.get("title") or None,
                date=(meta.get("publish_date") or None),
                authors=authors or None,
                body=text_path.read_text(encoding="utf-8") if text_path.exists() else None,
            )
        )
    return cases


def load_wcxb(root: Path) -> list[Case]:
    pages = json.loads((root / "pages.json").read_text(encoding="utf-8"))
    cases: list[Case] = []
    for page_id, info in sorted(pages.items()):
        truth_file = json.loads((root / "ground-truth" / f"{page_id}.json").read_text("utf-8"))
        truth = truth_file.get("ground_truth") or {}
        author = truth.get("author")
        authors = None
        if isinstance(author, str) and author.strip():
            authors = [a for a in re.split(r"\s*,\s*|\s+and\s+|\s*&\s*", author) if a.strip()]
        cases.append(
            Case(
                corpus="wcxb-dev",
                name=page_id,
                url=truth_file.get("url") or f"https://example.invalid/{page_id}",
                html=gzip.decompress((root / "html" / f"{page_id}.html.gz").read_bytes()),
                title=truth.get("title") or None,
                date=truth.get("publish_date") or None,
                authors=authors,
                body=truth.get("main_content") or None,
                with_snippets=list(truth.get("with") or []),
                without_snippets=list(truth.get("without") or []),
                is_article=info.get("page_type") == "article",
            )
        )
    return cases


# -- scoring -----------------------------------------------------------------------------------


def norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip()


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = norm(text).casefold().split()
    # Text without spaces (Japanese, Chinese, Thai): shingle characters instead of words.
    if len(words) < len(norm(text)) / 15:
        words = list(norm(text).replace(" ", ""))
    return {tuple(words[i : i + n]) for i in range(max(0, len(words) - n + 1))}


def prf(found: str, expected: str) -> tuple[float, float, float]:
    got, want = shingles(found), shingles(expected)
    if not got or not want:
        return (0.0, 0.0, 0.0) if want else (1.0, 1.0, 1.0)
    common = len(got & want)
    p, r = common / len(got), common / len(want)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def word_f1(found: str, expected: str) -> float:
    """WCXB's body metric: lowercased \\w+ tokens, multiset overlap."""
    got = Counter(re.findall(r"\w+", found.lower()))
    want = Counter(re.findall(r"\w+", expected.lower()))
    if not got or not want:
        return 0.0 if want or got else 1.0
    common = sum((got & want).values())
    if not common:
        return 0.0
    p, r = common / sum(got.values()), common / sum(want.values())
    return 2 * p * r / (p + r)


_QUOTES = str.maketrans({c: '"' for c in "“”„‟«»＂″"} | {c: "'" for c in "‘’‚‛‹›′`´"})
_DASHES = re.compile(r"[‐‑‒–—―−﹘﹣－]")


def title_key(text: str | None) -> str:
    """The label convention's comparison: NFKC, casefold, one kind of quote and dash,
    whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES)
    return re.sub(r"\s+", " ", _DASHES.sub("-", text)).strip().casefold()


def author_key(name: str) -> str:
    return title_key(name).strip(" .,;:-")


def same_day(found: str | None, expected: str | None) -> bool:
    return bool(found) and bool(expected) and str(found)[:10] == str(expected)[:10]


# Labels write several people in one string ("A, B and C", "A und B", "A / B"): compared as
# sets of names, both sides split alike.
_NAMES_SPLIT_RE = re.compile(r"\s*[;,/]\s*|\s+(?:and|und|y|et)\s+|\s*&\s*", re.I)


def author_keys(names: Iterable[str]) -> set[str]:
    keys = {author_key(part) for name in names for part in _NAMES_SPLIT_RE.split(name)}
    return keys - {""}


def same_authors(found: Iterable[str], expected: Iterable[str]) -> bool:
    return author_keys(found) == author_keys(expected)


def jaccard(found: Iterable[str], expected: Iterable[str]) -> float:
    a = {norm(t).casefold() for t in found}
    b = {norm(t).casefold() for t in expected}
    return len(a & b) / len(a | b) if a | b else 1.0


@dataclass
class Output:
    title: str | None
    body: str
    date: str | None
    authors: list[str]
    tags: list[str]
    not_article: str | None = None


def run_ours(case: Case) -> Output:
    # The crawl's own way from page to article, with the generic layers (no site).
    result = page_to_article(None, case.url, case.html)
    page = result.page
    # A page judged not an article keeps its text for scoring; the verdict is counted apart.
    found = result.article or (page.extract() if page is not None else Article(url=case.url))
    article = normalize_article(found)
    reason = result.reason or ""
    return Output(
        article.title or None,
        "\n".join(article.body),
        article.published_at,
        article.authors,
        article.tags,
        reason.removeprefix("not-article/") if reason.startswith("not-article/") else None,
    )


def run_trafilatura_full(case: Case) -> Output:
    doc = trafilatura.bare_extraction(case.html, url=case.url, with_metadata=True)
    if doc is None:
        return Output(None, "", None, [], [])
    author = getattr(doc, "author", None) or ""
    tags = getattr(doc, "tags", None) or []
    return Output(
        getattr(doc, "title", None),
        getattr(doc, "text", None) or "",
        getattr(doc, "date", None),
        [a.strip() for a in author.split(";") if a.strip()],
        list(tags) if isinstance(tags, list) else [t for t in str(tags).split(";") if t],
    )


def run_trafilatura_precision(case: Case) -> str:
    return trafilatura.extract(case.html, url=case.url, favor_precision=True) or ""


def run_trafilatura_default(case: Case) -> str:
    return trafilatura.extract(case.html, url=case.url) or ""


@dataclass
class Scores:
    body_p: list[float] = field(default_factory=list)
    body_r: list[float] = field(default_factory=list)
    body_f: list[float] = field(default_factory=list)
    word_f: list[float] = field(default_factory=list)
    snippets: list[int] = field(default_factory=lambda: [0, 0, 0, 0])  # tp, fn, fp, tn
    title: list[bool] = field(default_factory=list)
    date: list[bool] = field(default_factory=list)
    authors: list[bool] = field(default_factory=list)
    tags: list[float] = field(default_factory=list)
    seconds: float = 0.0
    pages: int = 0
    empty: int = 0  # article pages with an empty body
    rejected: Counter[str] = field(default_factory=Counter)  # article pages called not-articles
    listings: list[bool] = field(default_factory=list)  # listing pages recognized as such

    def add_body(self, case: Case, text: str) -> None:
        if case.body:
            p, r, f = prf(text, case.body)
            self.body_p.append(p)
            self.body_r.append(r)
            self.body_f.append(f)
            self.word_f.append(word_f1(text, case.body))
        if case.with_snippets or case.without_snippets:
            haystack = norm(text)
            for snippet in case.with_snippets:
                self.snippets[0 if norm(snippet) in haystack else 1] += 1
            for snippet in case.without_snippets:
                self.snippets[2 if norm(snippet) in haystack else 3] += 1

    def add_meta(self, case: Case, out: Output) -> None:
        if out.not_article is not None and case.is_article:
            self.rejected[out.not_article] += 1
        if not case.is_article:
            self.listings.append(out.not_article is not None)
            return
        if case.title:
            self.title.append(title_key(out.title) == title_key(case.title))
        if case.date:
            self.date.append(same_day(out.date, case.date))
        if case.authors:
            self.authors.append(same_authors(out.authors, case.authors))
        if case.tags:
            self.tags.append(jaccard(out.tags, case.tags))

    def body_prf(self) -> tuple[float, float, float]:
        if self.body_f:
            return (
                statistics.mean(self.body_p),
                statistics.mean(self.body_r),
                statistics.mean(self.body_f),
            )
        tp, fn, fp, _ = self.snippets
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _rate(values: list[bool] | list[float]) -> str:
    return f"{statistics.mean(values):.3f} (n={len(values)})" if values else "-"


def timed(fn: Callable[[Case], Any], case: Case, scores: Scores) -> Any:
    start = time.perf_counter()
    result = fn(case)
    scores.seconds += time.perf_counter() - start
    scores.pages += 1
    return result


def evaluate(cases: list[Case]) -> dict[str, Scores]:
    # Warm up both sides on a few pages first: one-time costs (the language model, imports,
    # trafilatura's caches) belong to a crawl's start, not to its steady pages/s. The language
    # model loads on the first page without a usable lang attribute, which may come late.
    detect_language("A sentence long enough for the statistical language detector to run.")
    # htmldate (on both sides) falls back to dateparser, which compiles the rules of each of its
    # ~200 locales on first use (a one-time cost); a string no locale reads compiles them all.
    dateparser.parse("no date here 99")
    for case in cases[:WARM_UP_PAGES]:
        run_ours(case)
        run_trafilatura_full(case)
        run_trafilatura_precision(case)
    ours, full, precise, default = Scores(), Scores(), Scores(), Scores()
    empty_pages: list[str] = []
    for i, case in enumerate(cases):
        # Alternate who goes first so caches and machine noise fall on both sides alike.
        order = (0, 1) if i % 2 == 0 else (1, 0)
        for which in order:
            if which == 0:
                out = timed(run_ours, case, ours)
                ours.add_meta(case, out)
            else:
                base = timed(run_trafilatura_full, case, full)
                full.add_meta(case, base)
        precision_text = timed(run_trafilatura_precision, case, precise)
        default_text = timed(run_trafilatura_default, case, default)
        if not case.is_article:
            continue  # listing pages: only the verdict is scored
        ours.add_body(case, out.body)
        full.add_body(case, base.body)
        precise.add_body(case, precision_text)
        default.add_body(case, default_text)
        if not out.body.strip() and (precision_text.strip() or default_text.strip()):
            ours.empty += 1
            empty_pages.append(case.name)
    if empty_pages:
        print(f"empty bodies where trafilatura finds text: {', '.join(empty_pages[:20])}")
    return {
        "newscrawler": ours,
        "trafilatura favor_precision": precise,
        "trafilatura default": default,
        "trafilatura body+metadata": full,
    }


def report(corpus: str, results: dict[str, Scores]) -> None:
    print(f"\n## {corpus} ({results['newscrawler'].pages} pages)")
    print(
        f"{'extractor':<30} {'body P':>7} {'body R':>7} {'body F1':>8} {'word F1':>8}  "
        f"{'pages/s':>8}  "
        f"{'title':<17} {'date':<17} {'authors':<17} {'tags (Jaccard)':<17}"
    )
    for name, s in results.items():
        p, r, f = s.body_prf()
        speed = s.pages / s.seconds if s.seconds else 0.0
        meta = name in ("newscrawler", "trafilatura body+metadata")
        word = f"{statistics.mean(s.word_f):.3f}" if s.word_f else "-"
        print(
            f"{name:<30} {p:>7.3f} {r:>7.3f} {f:>8.3f} {word:>8}  {speed:>8.1f}  "
            f"{_rate(s.title) if meta else '-':<17} {_rate(s.date) if meta else '-':<17} "
            f"{_rate(s.authors) if meta else '-':<17} {_rate(s.tags) if meta else '-':<17}"
        )
    ours, full = results["newscrawler"], results["trafilatura body+metadata"]
    rejected = sum(ours.rejected.values())
    print(
        f"article pages rejected as not-articles: {rejected}"
        + (f" ({dict(ours.rejected)})" if rejected else "")
        + f"; article pages with an empty body where trafilatura finds text: {ours.empty}"
    )
    if ours.listings:
        print(
            f"listing pages recognized as not-articles: {sum(ours.listings)} of "
            f"{len(ours.listings)}"
        )
    if ours.seconds and full.seconds:
        ratio = (ours.pages / ours.seconds) / (full.pages / full.seconds)
        print(f"speed ratio newscrawler / trafilatura body+metadata: {ratio:.2f}x")


LOADERS = {
    "fundus": ("fundus", load_fundus),
    "trafilatura-eval": ("trafilatura-eval", load_trafilatura),
    "newspaper4k": ("newspaper4k", load_newspaper4k),
    "wcxb-dev": ("wcxb-dev", load_wcxb),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--limit", type=int, default=0, help="pages per corpus (0: all)")
    parser.add_argument("--only", choices=sorted(LOADERS), action="append")
    args = parser.parse_args(argv)
    if not args.corpora.is_dir():
        print(f"corpora folder not found: {args.corpora} (use --corpora PATH)", file=sys.stderr)
        return 2
    print(f"newscrawler extraction benchmark; trafilatura {trafilatura.__version__}")
    for corpus in args.only or list(LOADERS):
        folder, loader = LOADERS[corpus]
        cases = loader(args.corpora / folder)
        if args.limit:
            cases = cases[: args.limit]
        report(corpus, evaluate(cases))
    return 0


if __name__ == "__main__":
    sys.exit(main())
