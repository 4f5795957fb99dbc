"""Site fixtures: record a page as served, re-extract saved pages, check them against expectations.

A site's fixtures live in `fixtures/<site>/`: `site/` is a recording (see
`newscrawler/replay/recording.py`) and `expected/<page>.json` the hand-checked article of one saved
page, `{"url": ..., "article": {<field>: <value>, ...}}`. `newscrawler fixture refresh`, `check`
and `tests/test_site_pages.py` all replay pages through `replay_case()` and compare with
`compare()`, so the command line and pytest judge the same cases the same way.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TextIO
from urllib.parse import urlsplit

from newscrawler.extraction.article import ArticleOrReason, page_to_article
from newscrawler.items import EXTRACTED_FIELDS, Article
from newscrawler.replay.recording import INDEX_FILE, Recording
from newscrawler.sites import Site, get_site, load_sites

__all__ = [
    "EXPECTED_FIELDS",
    "NOT_SITE_FOLDERS",
    "Case",
    "FieldResult",
    "RawResponseRecorder",
    "compare",
    "expected_document",
    "find_cases",
    "make_replayable",
    "print_check_table",
    "record_page",
    "refresh",
    "replay_case",
    "save_response",
]

# Every expected article states the extracted fields (null / [] when the page has none).
EXPECTED_FIELDS = EXTRACTED_FIELDS
# Fixture folders that hold other units' test data, not a site's pages.
NOT_SITE_FOLDERS = frozenset(
    {"discovery", "encodings", "hostile", "jspages", "pages", "incremental"}
)


@dataclass(frozen=True)
class Case:
    """One saved page of a site and its expected article."""

    site_id: str
    expected_path: Path

    @property
    def name(self) -> str:
        return f"{self.site_id}/{self.expected_path.stem}"

    def expected(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.expected_path.read_text(encoding="utf-8"))
        return data


@dataclass(frozen=True)
class FieldResult:
    field: str
    ok: bool
    got: Any
    want: Any

    def explain(self) -> str:
        """A readable account of the difference; lists point at the first differing item."""
        got, want = self.got, self.want
        if isinstance(got, list) and isinstance(want, list):
            for i, (g, w) in enumerate(zip(got, want, strict=False)):
                if g != w:
                    return f"{self.field}[{i}] differs:\n  got      {g!r}\n  expected {w!r}"
            return (
                f"{self.field} has {len(got)} items, expected {len(want)}; "
                f"extra: {got[len(want) :]!r} missing: {want[len(got) :]!r}"
            )
        return f"{self.field} differs:\n  got      {got!r}\n  expected {want!r}"


def find_cases(fixtures: Path, site_ids: Iterable[str] | None = None) -> list[Case]:
    """Every `fixtures/<site>/expected/*.json` (of the named sites only, when given)."""
    wanted = set(site_ids) if site_ids else None
    return [
        Case(path.parent.parent.name, path)
        for path in sorted(fixtures.glob("*/expected/*.json"))
        if wanted is None or path.parent.parent.name in wanted
    ]


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def recorded_page(fixtures: Path, site_id: str, url: str) -> tuple[bytes, str | None]:
    """A saved page's bytes and content type as the spider receives them: gunzipped when served
    with Content-Encoding gzip (Scrapy's HttpCompressionMiddleware does the same)."""
    recording = Recording.load(fixtures / site_id / "site")
    recorded = recording.get(url)
    if recorded is None:
        raise LookupError(f"{url} is not recorded in {fixtures / site_id / 'site' / INDEX_FILE}")
    if recorded.status != 200:
        raise LookupError(f"{url} is recorded with status {recorded.status}, not 200")
    body = recorded.body()
    if (_header(recorded.headers, "Content-Encoding") or "").lower() == "gzip":
        body = gzip.decompress(body)
    return body, _header(recorded.headers, "Content-Type")


def replay_case(fixtures: Path, case: Case) -> Article:
    """The article a crawl reads today from a case's saved page (the spider's own way,
    `page_to_article`); ValueError when it reads none."""
    url = case.expected()["url"]
    body, content_type = recorded_page(fixtures, case.site_id, url)
    result = page_to_article(get_site(case.site_id), url, body, content_type)
    if result.article is None:
        raise ValueError(f"{url} gives no article ({_reason(result)})")
    return result.article


def _reason(result: ArticleOrReason) -> str:
    return f"{result.reason}: {result.detail}" if result.detail else str(result.reason)


def compare(got: Article, want: Mapping[str, Any]) -> list[FieldResult]:
    """Field-by-field results for every field the expected article states."""
    values = got.to_dict()
    return [
        FieldResult(name, values.get(name) == value, values.get(name), value)
        for name, value in want.items()
    ]


def expected_document(url: str, article: Article) -> dict[str, Any]:
    values = article.to_dict()
    return {"url": url, "article": {name: values[name] for name in EXPECTED_FIELDS}}


def write_expected(path: Path, document: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# -- record -------------------------------------------------------------------------------------


def page_name(url: str) -> str:
    """A file name for a page from its URL path: the last meaningful segment, made safe."""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    tail = parts[-1] if parts else "index"
    tail = re.sub(r"\.(?:html?|php|aspx?|cms)$", "", tail)
    if len(parts) >= 2 and len(tail) < 8:
        tail = f"{parts[-2]}-{tail}"
    return re.sub(r"[^A-Za-z0-9_-]+", "-", tail).strip("-")[:80] or "page"


def save_response(
    fixtures: Path,
    site_id: str,
    url: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    name: str | None = None,
) -> Path:
    """Store one response exactly as served in `fixtures/<site>/site/` and list it in the
    index (replacing an entry for the same URL). Returns the body's path."""
    folder = fixtures / site_id / "site"
    (folder / "pages").mkdir(parents=True, exist_ok=True)
    gzipped = (_header(headers, "Content-Encoding") or "").lower() == "gzip"
    file_name = f"pages/{name or page_name(url)}.html" + (".gz" if gzipped else "")
    (folder / file_name).write_bytes(body)
    _index_put(folder, url, status, headers, file_name)
    return folder / file_name


def _index(folder: Path) -> dict[str, Any]:
    index_path = folder / INDEX_FILE
    if index_path.is_file():
        loaded: dict[str, Any] = json.loads(index_path.read_text(encoding="utf-8"))
        return loaded
    return {"responses": []}


def _index_put(
    folder: Path, url: str, status: int, headers: Mapping[str, str], file_name: str
) -> None:
    """List `url` in the recording's index (replacing an entry for the same URL)."""
    index = _index(folder)
    entry = {"url": url, "status": status, "headers": dict(headers), "body": file_name}
    responses = [r for r in index.get("responses", []) if r.get("url") != url]
    index["responses"] = [*responses, entry]
    (folder / INDEX_FILE).write_text(
        json.dumps(index, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


# The sitemap `fixture record` keeps of the pages it recorded, so that a replayed crawl of the
# site discovers them: robots.txt names it, as a site's own robots.txt names its sitemaps.
FIXTURE_SITEMAP = "newscrawler-fixtures-sitemap.xml"
_LOC_RE = re.compile(r"<loc>([^<]+)</loc>")


def _unescape_xml(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _escape_xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def make_replayable(
    fixtures: Path, site_id: str, page_url: str, robots: tuple[int, bytes] | None
) -> list[str]:
    """Make a recorded page discoverable by a replayed crawl: robots.txt of the page's host
    (as served when `robots` gives its status and body, else kept as recorded, else empty)
    with a `Sitemap:` line naming the fixture sitemap, which lists every recorded page.
    Returns the URLs written."""
    folder = fixtures / site_id / "site"
    parts = urlsplit(page_url)
    root = f"{parts.scheme}://{parts.netloc}"
    robots_url, sitemap_url = f"{root}/robots.txt", f"{root}/{FIXTURE_SITEMAP}"
    entries = {r.get("url"): r for r in _index(folder).get("responses", [])}
    if robots_url in entries and (folder / entries[robots_url]["body"]).is_file():
        robots_file = str(entries[robots_url]["body"])
        data = (folder / robots_file).read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    else:
        robots_file = "robots.txt"
        # A robots.txt that is not 200 says nothing about the site: replay it as empty.
        data = robots[1] if robots and robots[0] == 200 else b""
    text = data.decode("utf-8", "replace")
    if f"Sitemap: {sitemap_url}" not in text:
        text = text.rstrip("\n") + ("\n" if text.strip() else "") + f"Sitemap: {sitemap_url}\n"
    (folder / robots_file).write_text(text, encoding="utf-8")
    _index_put(folder, robots_url, 200, {"Content-Type": "text/plain; charset=utf-8"}, robots_file)
    sitemap_path = folder / FIXTURE_SITEMAP
    listed = (
        [_unescape_xml(u) for u in _LOC_RE.findall(sitemap_path.read_text(encoding="utf-8"))]
        if sitemap_path.is_file()
        else []
    )
    if page_url not in listed:
        listed.append(page_url)
    urls = "".join(f"<url><loc>{_escape_xml(u)}</loc></url>\n" for u in listed)
    sitemap_path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n',
        encoding="utf-8",
    )
    _index_put(
        folder,
        sitemap_url,
        200,
        {"Content-Type": "application/xml; charset=utf-8"},
        FIXTURE_SITEMAP,
    )
    return [robots_url, sitemap_url]


# Headers that describe one transfer, not the page; recorded bodies are whole and unchunked.
_TRANSFER_HEADERS = frozenset(
    {"transfer-encoding", "connection", "keep-alive", "date", "set-cookie", "content-length"}
)


class RawResponseRecorder:
    """Downloader middleware next to the download handler (used by `record_page`): keeps the
    response to a recording request as served, before Scrapy's decompression inflates it."""

    captured: ClassVar[dict[str, Any]] = {}

    def process_response(self, request: Any, response: Any) -> Any:
        if urlsplit(request.url).path == "/robots.txt" and "robots" not in self.captured:
            # The robots.txt Scrapy fetched before the page: recorded too, for the replay.
            self.captured["robots"] = (response.status, response.body)
        if request.meta.get("newscrawler_record") and "raw" not in self.captured:
            # Copied now: the decompression middleware edits the headers object in place.
            headers = {
                k.decode("latin-1"): b", ".join(v).decode("latin-1")
                for k, v in response.headers.items()
                if k.decode("latin-1").lower() not in _TRANSFER_HEADERS
            }
            self.captured["raw"] = (response.url, response.status, headers, response.body)
        return response


def record_page(site: Site, url: str, fixtures: Path, settings_overrides: Mapping[str, str]) -> int:
    """Fetch `url` with the project's settings (robots.txt, user agent, proxies, retries), save
    it as served and write an expected JSON from the current extraction for a person to check."""
    from scrapy import Request, Spider
    from scrapy.crawler import CrawlerProcess
    from scrapy.http import Response
    from scrapy.utils.project import get_project_settings

    captured = RawResponseRecorder.captured
    captured.clear()

    class RecordSpider(Spider):
        name = site.id
        allowed_domains: ClassVar[list[str]] = list(site.domains)

        async def start(self) -> Any:
            yield Request(url, callback=self.parse, meta={"newscrawler_record": True})

        def parse(self, response: Response) -> None:
            captured["final"] = response

    settings = get_project_settings()
    settings.setdict(dict(settings_overrides), priority="cmdline")
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    # Between the replay middleware (950, last) and HTTP compression (590).
    middlewares[f"{__name__}.RawResponseRecorder"] = 900
    settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="cmdline")
    # A recording fetch writes no articles and keeps no state: only the page is wanted.
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl(RecordSpider)
    process.start()
    if "raw" not in captured or "final" not in captured:
        print(f"newscrawler fixture record: could not fetch {url} (see the log)", file=sys.stderr)
        return 1
    raw_url, status, headers, body = captured["raw"]
    final = captured["final"]
    body_path = save_response(fixtures, site.id, raw_url, status, headers, body)
    result = page_to_article(site, raw_url, final.body, _header(headers, "Content-Type"))
    if result.article is None:
        print(
            f"newscrawler fixture record: saved {body_path}, but it gives no article"
            f" ({_reason(result)}), so no expected article was written",
            file=sys.stderr,
        )
        return 1
    article = result.article
    expected_path = fixtures / site.id / "expected" / f"{body_path.name.split('.')[0]}.json"
    write_expected(expected_path, expected_document(raw_url, article))
    robots = captured.get("robots")
    if robots is not None and robots[1][:2] == b"\x1f\x8b":
        robots = (robots[0], gzip.decompress(robots[1]))
    made = make_replayable(fixtures, site.id, raw_url, robots)
    print(f"saved {body_path} ({len(body)} bytes as served, status {status})")
    print(f"listed it in {made[1]}, named by {made[0]}: `--replay` crawls find it")
    print(f"wrote {expected_path}: the current extraction; check every field against the page")
    return 0


# -- refresh and check --------------------------------------------------------------------------


def refresh(fixtures: Path, site_ids: list[str], write: bool, out: TextIO) -> int:
    """Re-extract every saved page and print each field that changed; with `write`, store the
    new values in the expected JSON. Returns the number of changed cases."""
    changed = 0
    for case in find_cases(fixtures, site_ids):
        expected = case.expected()
        article = replay_case(fixtures, case)
        wrong = [r for r in compare(article, expected["article"]) if not r.ok]
        new_fields = [f for f in EXPECTED_FIELDS if f not in expected["article"]]
        if not wrong and not new_fields:
            continue
        changed += 1
        print(f"--- {case.name} ({case.expected_path})", file=out)
        for result in wrong:
            print(_indent(result.explain()), file=out)
        for name in new_fields:
            print(f"  {name} not stated; now {article.to_dict()[name]!r}", file=out)
        if write:
            write_expected(case.expected_path, expected_document(expected["url"], article))
            print(f"  written: {case.expected_path}", file=out)
    if not changed:
        print("every saved page extracts to its expected article", file=out)
    return changed


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


_SHORT = {
    "canonical_url": "canon",
    "title": "title",
    "subtitle": "subt",
    "body": "body",
    "tags": "tags",
    "section": "sect",
    "authors": "auth",
    "published_at": "publ",
    "modified_at": "modi",
    "language": "lang",
    "image_url": "image",
    "source": "src",
    "paywalled": "payw",
}


def print_check_table(fixtures: Path, site_ids: list[str], out: TextIO) -> int:
    """Replay every case and print a per-site, per-field pass/fail table, then the details of
    each failure. Returns the number of failed cases (a missing page counts as failed)."""
    rows: dict[str, dict[str, bool]] = {}
    pages: dict[str, int] = {}
    failures: list[str] = []
    failed_cases = 0
    for case in find_cases(fixtures, site_ids):
        row = rows.setdefault(case.site_id, {})
        pages[case.site_id] = pages.get(case.site_id, 0) + 1
        try:
            results = compare(replay_case(fixtures, case), case.expected()["article"])
        except (LookupError, OSError, ValueError) as exc:
            failed_cases += 1
            failures.append(f"{case.name}: {exc}")
            row.update(dict.fromkeys(EXPECTED_FIELDS, False))
            continue
        for result in results:
            row[result.field] = row.get(result.field, True) and result.ok
            if not result.ok:
                failures.append(f"{case.name}: {result.explain()}")
        failed_cases += any(not r.ok for r in results)
    # A site without saved pages is a failure of the check, not a failed page.
    missing = [site_id for site_id in site_ids or [] if site_id not in rows]
    for site_id in missing:
        failures.append(
            f"{site_id}: no saved page with an expected article; record one with "
            f"`newscrawler fixture record {site_id} URL`"
        )
    width = max([len(s) for s in rows] + [4])
    header = f"{'site':<{width}} pages " + " ".join(f"{_SHORT[f]:<5}" for f in EXPECTED_FIELDS)
    print(header, file=out)
    for site_id, row in rows.items():
        cells = " ".join(
            f"{('ok' if row[f] else 'FAIL') if f in row else '-':<5}" for f in EXPECTED_FIELDS
        )
        print(f"{site_id:<{width}} {pages[site_id]:>5} {cells}", file=out)
    for failure in failures:
        print(failure, file=out)
    total = sum(pages.values())
    line = f"{total - failed_cases} of {total} saved pages pass"
    if missing:
        line += f"; {len(missing)} site{'s' if len(missing) > 1 else ''} without saved pages"
    print(line, file=out)
    return failed_cases + len(missing)


def all_site_ids() -> list[str]:
    return list(load_sites())
