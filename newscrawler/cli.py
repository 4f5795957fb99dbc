"""The `newscrawler` command: list sites, crawl one, export articles."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import Settings

__all__ = ["main"]


def _settings_pairs(values: Sequence[str]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name:
            from newscrawler.safety.redact import redact

            raise SystemExit(redact(f"newscrawler: -s expects NAME=VALUE, got {value!r}"))
        pairs[name] = setting
    return pairs


def _cmd_list(args: argparse.Namespace) -> int:
    from newscrawler.sites import SiteFileError, load_sites

    try:
        sites = load_sites()
    except SiteFileError as exc:
        print(f"newscrawler: {exc}", file=sys.stderr)
        return 2
    for site in sites.values():
        print(f"{site.id:<14} {site.name}  ({', '.join(site.allowed_domains)})")
    return 0


def _cmd_crawl(args: argparse.Namespace) -> int:
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from newscrawler.safety.config import credential_urls, credential_values
    from newscrawler.safety.redact import install_redaction
    from newscrawler.sites import SiteFileError, UnknownSiteError, get_site, load_sites

    try:
        site_ids = list(load_sites()) if args.all else args.sites
    except SiteFileError as exc:  # a site file outside the package that cannot be loaded
        print(f"newscrawler: {exc}", file=sys.stderr)
        return 2
    if not site_ids:
        print(
            "newscrawler crawl: name a site or use --all; see `newscrawler list`", file=sys.stderr
        )
        return 2
    try:
        for site_id in site_ids:
            get_site(site_id)
    except (UnknownSiteError, SiteFileError) as exc:
        print(f"newscrawler: {exc}", file=sys.stderr)
        return 2
    settings = get_project_settings()
    overrides = _settings_pairs(args.set)
    output = args.overwrite_output or args.output
    if output:
        overrides["NEWSCRAWLER_OUTPUT"] = output
    if args.replay:
        from newscrawler.replay.recording import Recording

        try:
            Recording.load(args.replay)
        except (OSError, ValueError) as exc:
            print(f"newscrawler: --replay {args.replay}: {exc}", file=sys.stderr)
            return 2
        overrides["NEWSCRAWLER_REPLAY_DIR"] = args.replay
        # Politeness delays protect live servers; a replay reads local files. `-s` still wins.
        settings.set("DOWNLOAD_DELAY", 0, priority="command")
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="command")
    if args.state:
        overrides["NEWSCRAWLER_STATE_PATH"] = args.state
    if getattr(args, "redis", None):
        overrides["NEWSCRAWLER_REDIS_URL"] = args.redis
    if args.runs_dir:
        from newscrawler.scheduler.commands import runs_dir_overrides

        # This run's own <site>/<UTC timestamp>.jsonl and run record, as the scheduler's are.
        overrides.update(runs_dir_overrides(args.runs_dir))
    if args.loglevel:
        overrides["LOG_LEVEL"] = args.loglevel
    settings.setdict(overrides, priority="cmdline")
    # Everything that would stop the crawl later is found now, before a file or a site is touched.
    problems = _start_problems(settings, site_ids, _settings_pairs(args.arg))
    if problems:
        print("newscrawler: cannot start, fix the configuration first:", file=sys.stderr)
        print("\n".join(f"  - {p}" for p in problems), file=sys.stderr)
        return 2
    if args.overwrite_output:
        # Truncated once here, then appended to by every site's writer of this run.
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_bytes(b"")
    locks = []
    if args.runs_dir:
        from newscrawler.scheduler.commands import lock_sites
        from newscrawler.scheduler.locks import SiteLockedError

        try:
            locks = lock_sites(args.runs_dir, site_ids)
        except SiteLockedError as exc:  # runs of one site never overlap
            print(f"newscrawler: {exc}", file=sys.stderr)
            return 3
    process = CrawlerProcess(settings)
    install_redaction(credential_urls(settings), credential_values(settings))
    for site_id in site_ids:
        process.crawl(site_id, **_settings_pairs(args.arg))
    process.start()
    for lock in locks:
        lock.release()
    return 1 if process.bootstrap_failed else 0


def _start_problems(
    settings: Settings, site_ids: list[str], spider_args: dict[str, str]
) -> list[str]:
    from newscrawler.safety.boundary import start_url_problem
    from newscrawler.safety.config import configuration_problems, optional_services
    from newscrawler.safety.redact import redact
    from newscrawler.sites import get_site

    problems = configuration_problems(settings, optional=optional_services(site_ids))
    start_url = spider_args.get("start_url")
    if start_url is not None:
        for site_id in site_ids:
            problem = start_url_problem(start_url, get_site(site_id).allowed_domains)
            if problem:
                problems.append(redact(f"{site_id}: {problem}"))
    return problems


def _cmd_extract(args: argparse.Namespace) -> int:
    from scrapy.utils.project import get_project_settings

    from newscrawler.extract import run_extract

    # The crawl's download limit, so a saved page is read as its download would have been.
    max_bytes = get_project_settings().getint("DOWNLOAD_MAXSIZE")
    return run_extract(args.files, args.url, sys.stdout, sys.stderr, max_bytes)


def _cmd_export(args: argparse.Namespace) -> int:
    from newscrawler.export import read_articles, write_text

    source = sys.stdin if args.file == "-" else args.file
    try:
        count = write_text(read_articles(source), sys.stdout)
    except (OSError, ValueError) as exc:
        print(f"newscrawler export: {exc}", file=sys.stderr)
        return 1
    if count and sys.stdout.isatty():
        sys.stdout.write("\n")
    return 0


def _fixtures_and_sites(args: argparse.Namespace) -> tuple[Path, list[str]] | int:
    """The fixtures folder and the named (else all) site ids, or an exit status after an error."""
    from newscrawler.sites import SiteFileError, UnknownSiteError, get_site, load_sites

    fixtures = Path(args.fixtures)
    if not fixtures.is_dir():
        print(f"newscrawler: no fixtures folder {fixtures} (see --fixtures)", file=sys.stderr)
        return 2
    try:
        names = [args.site] if getattr(args, "site", None) else list(load_sites())
        return fixtures, [get_site(name).id for name in names]
    except (UnknownSiteError, SiteFileError) as exc:
        print(f"newscrawler: {exc}", file=sys.stderr)
        return 2


def _cmd_fixture_record(args: argparse.Namespace) -> int:
    from newscrawler.fixturetool import record_page
    from newscrawler.sites import get_site

    found = _fixtures_and_sites(args)
    if isinstance(found, int):
        return found
    fixtures, _ = found
    overrides = _settings_pairs(args.set)
    if args.loglevel:
        overrides["LOG_LEVEL"] = args.loglevel
    return record_page(get_site(args.site), args.url, fixtures, overrides)


def _cmd_fixture_refresh(args: argparse.Namespace) -> int:
    from newscrawler.fixturetool import refresh

    found = _fixtures_and_sites(args)
    if isinstance(found, int):
        return found
    refresh(found[0], found[1], args.write, sys.stdout)
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from newscrawler.fixturetool import print_check_table

    found = _fixtures_and_sites(args)
    if isinstance(found, int):
        return found
    return 1 if print_check_table(found[0], found[1], sys.stdout) else 0


def _add_fixture_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fixture = commands.add_parser("fixture", help="record and refresh a site's saved pages")
    actions = fixture.add_subparsers(dest="fixture_command", required=True)
    record = actions.add_parser(
        "record", help="fetch a page as served into fixtures/<site>/ with a draft expected JSON"
    )
    record.add_argument("site", help="site id")
    record.add_argument("url", help="article page URL")
    record.add_argument(
        "-s", "--set", action="append", default=[], metavar="NAME=VALUE", help="a setting"
    )
    record.add_argument("-L", "--loglevel", help="log level (default INFO)")
    record.set_defaults(func=_cmd_fixture_record)
    refresh = actions.add_parser(
        "refresh", help="re-extract saved pages, show per-field differences from expected JSON"
    )
    refresh.add_argument("site", nargs="?", help="site id (default: every site)")
    refresh.add_argument("--write", action="store_true", help="update the expected JSON files")
    refresh.set_defaults(func=_cmd_fixture_refresh)
    check = commands.add_parser(
        "check", help="replay every saved page; per-site, per-field table; exit 1 on a failure"
    )
    check.add_argument("site", nargs="?", help="site id (default: every site)")
    check.set_defaults(func=_cmd_check)
    for parser in (record, refresh, check):
        parser.add_argument(
            "--fixtures", default="fixtures", metavar="DIR", help="fixtures folder (./fixtures)"
        )
        _add_sites_option(parser)


def _add_sites_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sites",
        dest="sites_dir",
        action="append",
        default=[],
        metavar="DIR",
        help="also load site files (<id>.toml, <id>.py) from DIR (sets NEWSCRAWLER_SITES_DIR)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newscrawler", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="list the registered sites")
    listing.set_defaults(func=_cmd_list)
    _add_sites_option(listing)

    crawl = commands.add_parser("crawl", help="crawl one site into JSON Lines")
    crawl.add_argument("sites", nargs="*", metavar="SITE", help="site ids (see `newscrawler list`)")
    crawl.add_argument("--all", action="store_true", help="crawl every registered site")
    _add_sites_option(crawl)
    crawl.add_argument(
        "-o", "--output", help="append articles to this .jsonl file (default: articles.jsonl)"
    )
    crawl.add_argument(
        "-O", "--overwrite-output", help="write articles to this .jsonl file, replacing it"
    )
    crawl.add_argument(
        "--replay", metavar="DIR", help="serve the site from a recorded folder, offline"
    )
    crawl.add_argument("--state", metavar="PATH", help="state database (NEWSCRAWLER_STATE_PATH)")
    crawl.add_argument(
        "--redis",
        metavar="URL",
        help="share the crawl with other workers through Redis (NEWSCRAWLER_REDIS_URL)",
    )
    crawl.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a Scrapy or NEWSCRAWLER_* setting",
    )
    crawl.add_argument(
        "-a",
        "--arg",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="spider argument, e.g. start_url=URL",
    )
    crawl.add_argument("-L", "--loglevel", help="log level (default INFO)")
    crawl.add_argument(
        "--runs-dir",
        metavar="DIR",
        help="write DIR/<site>/<UTC time>.jsonl and a run record, holding the site's lock",
    )
    crawl.set_defaults(func=_cmd_crawl)

    export = commands.add_parser("export", help="render a JSON Lines file in another format")
    export.add_argument("file", help="articles .jsonl file, or - for standard input")
    export.add_argument(
        "--format", choices=["text"], default="text", help="text: the source document's layout"
    )
    export.set_defaults(func=_cmd_export)

    extract = commands.add_parser(
        "extract", help="extract articles from saved pages (.html, .html.gz or standard input)"
    )
    extract.add_argument(
        "files", nargs="*", metavar="FILE", help="saved pages; none or - for stdin"
    )
    extract.add_argument("--url", help="the page's URL (default: its canonical URL)")
    extract.set_defaults(func=_cmd_extract)
    _add_fixture_commands(commands)
    from newscrawler.scheduler.commands import add_commands

    add_commands(commands)  # runs, schedule
    return parser


def _redacted_excepthook(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    import traceback

    from newscrawler.safety.redact import redact

    sys.stderr.write(redact("".join(traceback.format_exception(kind, value, tb))))


def main(argv: Sequence[str] | None = None) -> int:
    # Work from any folder, not only where scrapy.cfg is.
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newscrawler.settings")
    # An unexpected crash prints its traceback without the credentials it may quote.
    sys.excepthook = _redacted_excepthook
    args = build_parser().parse_args(argv)
    if getattr(args, "sites_dir", None):
        # The registry reads its extra folders from the environment (the spider loader has
        # no other channel); set before anything loads the registry.
        from newscrawler.sites.base import SITES_DIR_ENV

        folders = [
            *args.sites_dir,
            *filter(None, os.environ.get(SITES_DIR_ENV, "").split(os.pathsep)),
        ]
        os.environ[SITES_DIR_ENV] = os.pathsep.join(folders)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
