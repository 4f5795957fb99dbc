"""Syndicated copies: the seed wire story, its Kyodo copy and an edited Japan Times rewrite are
linked to the earliest copy, across sites and runs; different stories on the same topic are not.
Texts: fixtures/incremental/ (rewrites written by us)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import DropItem

from newscrawler.incremental.neardup import DEFAULT_THRESHOLD, NearDuplicateIndex, body_minhash
from newscrawler.items import Article
from newscrawler.pipelines.deduplicate import DeduplicateArticlesPipeline
from newscrawler.pipelines.neardup import LinkNearDuplicatesPipeline
from newscrawler.pipelines.normalize import normalize_article
from newscrawler.state.sqlite import SqliteArticleState

from .conftest import FIXTURES
from .faulty_server import FaultyServer, crawl_test_site, reply
from .test_incremental import article_html, read_lines

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


def pipelines(state: SqliteArticleState, drop: bool = False) -> list[Any]:
    return [
        DeduplicateArticlesPipeline(state, drop_copies=drop),
        LinkNearDuplicatesPipeline(NearDuplicateIndex.load(state), state, drop_copies=drop),
    ]


def write(pipes: list[Any], state: SqliteArticleState, item: Article) -> Article:
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

    # A later run, other sites: the state's signatures are loaded into the LSH index.
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
    index = NearDuplicateIndex.load(state)
    assert index.earliest_copy(body_minhash(copy.body)) == original.id
