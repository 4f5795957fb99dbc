"""The `newscrawler` command: list sites, crawl one, export articles."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]


def _settings_pairs(values: Sequence[str]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name:
            raise SystemExit(f"newscrawler: -s expects NAME=VALUE, got {value!r}")
        pairs[name] = setting
    return pairs


def _cmd_list(args: argparse.Namespace) -> int:
    from newscrawler.sites import load_sites

    for site in load_sites().values():
        print(f"{site.id:<14} {site.name}  ({', '.join(site.allowed_domains)})")
    return 0


def _cmd_crawl(args: argparse.Namespace) -> int:
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from newscrawler.sites import UnknownSiteError, get_site, load_sites

    site_ids = list(load_sites()) if args.all else args.sites
    if not site_ids:
        print(
            "newscrawler crawl: name a site or use --all; see `newscrawler list`", file=sys.stderr
        )
        return 2
    try:
        for site_id in site_ids:
            get_site(site_id)
    except UnknownSiteError as exc:
        print(f"newscrawler: {exc}", file=sys.stderr)
        return 2
    settings = get_project_settings()
    overrides = _settings_pairs(args.set)
    output = args.overwrite_output or args.output
    if output:
        if args.overwrite_output:
            # Truncated once here, then appended to by every site's writer of this run.
            Path(output).parent.mkdir(parents=True, exist_ok=True)
            Path(output).write_bytes(b"")
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
    if args.loglevel:
        overrides["LOG_LEVEL"] = args.loglevel
    settings.setdict(overrides, priority="cmdline")
    process = CrawlerProcess(settings)
    for site_id in site_ids:
        process.crawl(site_id, **_settings_pairs(args.arg))
    process.start()
    return 1 if process.bootstrap_failed else 0


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newscrawler", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("list", help="list the registered sites").set_defaults(func=_cmd_list)

    crawl = commands.add_parser("crawl", help="crawl one site into JSON Lines")
    crawl.add_argument("sites", nargs="*", metavar="SITE", help="site ids (see `newscrawler list`)")
    crawl.add_argument("--all", action="store_true", help="crawl every registered site")
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
    crawl.set_defaults(func=_cmd_crawl)

    export = commands.add_parser("export", help="render a JSON Lines file in another format")
    export.add_argument("file", help="articles .jsonl file, or - for standard input")
    export.add_argument(
        "--format", choices=["text"], default="text", help="text: the source document's layout"
    )
    export.set_defaults(func=_cmd_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Work from any folder, not only where scrapy.cfg is.
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newscrawler.settings")
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
