"""The `newscrawler` command: list sites, crawl one, export articles."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from newscrawler.defaults import get_float, get_str, setting_default
from newscrawler.run_settings import settings_pairs

if TYPE_CHECKING:
    from scrapy.crawler import Crawler, CrawlerProcess
    from scrapy.settings import Settings

__all__ = ["main"]


def _cmd_list(args: argparse.Namespace) -> int:
    from newscrawler.sites import SiteFileError, load_sites

    try:
        sites = load_sites()
    except SiteFileError as exc:
        print(f"newscrawler: {exc}", file=sys.stderr)
        return 2
    for site in sites.values():
        print(f"{site.id:<14} {site.name}  ({', '.join(site.domains)})")
    return 0


def _crawl_overrides(args: argparse.Namespace) -> dict[str, str] | str:
    """The settings the crawl's options stand for, or the one-line reason they cannot."""
    from newscrawler.pipelines.filters import parse_languages, parse_since
    from newscrawler.pipelines.write import output_problem
    from newscrawler.run_settings import run_settings_from_env

    try:
        # A scheduled run's settings come through the environment (see RUN_SETTINGS_ENV).
        overrides = {**run_settings_from_env(), **settings_pairs(args.set)}
    except ValueError as exc:
        return str(exc)
    output = args.overwrite_output or args.output
    if output:
        problem = output_problem(output)
        if problem:
            return f"-o/-O {problem}"
        overrides["NEWSCRAWLER_OUTPUT"] = output
    if args.max_articles is not None:
        if args.max_articles < 1:
            return f"--max-articles {args.max_articles}: give a number of articles, 1 or more"
        overrides["NEWSCRAWLER_MAX_ARTICLES"] = str(args.max_articles)
    if args.since:
        try:
            parse_since(args.since)
        except ValueError as exc:
            return str(exc)
        overrides["NEWSCRAWLER_SINCE"] = args.since
    if args.language:
        languages = parse_languages(args.language)
        if not languages:
            return f"--language {args.language!r}: give language codes, e.g. --language ja,en"
        overrides["NEWSCRAWLER_LANGUAGES"] = ",".join(languages)
    if args.fresh:
        # Neither skip known URLs nor drop known articles; what is written is still recorded.
        overrides["NEWSCRAWLER_DEDUP_ACROSS_RUNS"] = "False"
        overrides["NEWSCRAWLER_INCREMENTAL"] = "False"
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
    return overrides


def _log_file(args: argparse.Namespace, settings: Settings, site_ids: list[str]) -> str | None:
    """Where Scrapy's log goes (None: to the terminal, with -v or an explicit LOG_FILE)."""
    if args.verbose or settings.get("LOG_FILE"):
        return None
    if args.runs_dir:
        folder = Path(args.runs_dir) / (site_ids[0] if len(site_ids) == 1 else "")
        record = get_str(settings, "NEWSCRAWLER_RUN_RECORD")
        stamp = Path(record).stem if record else "crawl"
        return str(folder / f"{stamp}.log")
    state = get_str(settings, "NEWSCRAWLER_STATE_PATH") or setting_default("NEWSCRAWLER_STATE_PATH")
    return str(Path(state).parent / "crawl.log")


def _cmd_crawl(args: argparse.Namespace) -> int:
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from newscrawler.exitcodes import EXIT_USAGE
    from newscrawler.safety.redact import install_redaction, redact
    from newscrawler.sites import SiteFileError, UnknownSiteError, get_site, load_sites

    # Credentials given on the command line (-o ftp://user:pw@..., -s X=redis://:pw@...) are
    # known before any message could quote them.
    install_redaction(
        [*sys.argv[1:], *(args.set or []), args.output, args.overwrite_output, args.redis]
    )
    try:
        site_ids = list(load_sites()) if args.all else args.sites
    except SiteFileError as exc:  # a site file outside the package that cannot be loaded
        print(f"newscrawler: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not site_ids:
        print(
            "newscrawler crawl: name a site or use --all; see `newscrawler list`", file=sys.stderr
        )
        return EXIT_USAGE
    try:
        for site_id in site_ids:
            get_site(site_id)
    except (UnknownSiteError, SiteFileError) as exc:
        print(f"newscrawler: {exc}", file=sys.stderr)
        return EXIT_USAGE
    overrides = _crawl_overrides(args)
    if isinstance(overrides, str):
        print(redact(f"newscrawler crawl: {overrides}"), file=sys.stderr)
        return EXIT_USAGE
    settings = get_project_settings()
    if args.replay:
        from newscrawler.replay.recording import Recording

        try:
            Recording.load(args.replay)
        except (OSError, ValueError) as exc:
            print(f"newscrawler: --replay {args.replay}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        overrides["NEWSCRAWLER_REPLAY_DIR"] = args.replay
        # Politeness delays protect live servers; a replay reads local files. `-s` still wins.
        settings.set("DOWNLOAD_DELAY", 0, priority="command")
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="command")
    settings.setdict(overrides, priority="cmdline")
    # Everything that would stop the crawl later is found now, before a file or a site is touched.
    problems = _start_problems(settings, site_ids, settings_pairs(args.arg))
    if problems:
        print("newscrawler: cannot start, fix the configuration first:", file=sys.stderr)
        print("\n".join(f"  - {p}" for p in problems), file=sys.stderr)
        return EXIT_USAGE
    from newscrawler.exitcodes import EXIT_LOCKED, EXIT_WRITE_FAILED
    from newscrawler.locks import LockFileError, LockHeldError

    output = args.overwrite_output or args.output
    log_file = _log_file(args, settings, site_ids)
    locks: list[Releasable] = []
    try:
        if args.runs_dir:
            from newscrawler.scheduler.commands import lock_sites

            locks += lock_sites(args.runs_dir, site_ids)  # runs of one site never overlap
        # The state and the output are locked, and the state checked, before anything is
        # written: a second crawl must not truncate (-O) the first one's file.
        guarded = _lock_and_check(settings, site_ids, locks, args.runs_dir)
        if guarded is not None:
            return guarded
        replaced = 0
        if args.overwrite_output and output != "-":
            replaced = _line_count(Path(output))
            # Truncated once here, then appended to by every site's writer of this run.
            Path(output).parent.mkdir(parents=True, exist_ok=True)
            Path(output).write_bytes(b"")
        if log_file:
            # One log per command, rewritten each time; every site's crawler appends to it.
            Path(log_file).parent.mkdir(parents=True, exist_ok=True)
            Path(log_file).write_bytes(b"")
            settings.set("LOG_FILE", log_file, priority="cmdline")
            settings.set("LOG_FILE_APPEND", True, priority="cmdline")
        return _run_crawl(args, settings, site_ids, log_file, CrawlerProcess, replaced)
    except LockHeldError as exc:  # one line naming the holder's PID
        print(f"newscrawler: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except LockFileError as exc:  # a full disk, before anything was crawled
        print(f"newscrawler: {exc}", file=sys.stderr)
        return EXIT_WRITE_FAILED
    finally:
        for lock in reversed(locks):
            lock.release()


class Releasable(Protocol):
    def release(self) -> None: ...


def _lock_and_check(
    settings: Settings, site_ids: list[str], locks: list[Releasable], runs_dir: str | None
) -> int | None:
    """Hold (into `locks`) each site's lock on the SQLite state and the output file's lock,
    and check the state file; an exit status after a one-line message when it is damaged."""
    from newscrawler.exitcodes import EXIT_STATE_DAMAGED, EXIT_WRITE_FAILED
    from newscrawler.locks import hold
    from newscrawler.pipelines.write import STDOUT, OutputConfigError, OutputLock, output_target
    from newscrawler.safety.paths import NAME_PLACEHOLDER, TIME_PLACEHOLDER
    from newscrawler.state import StateDamagedError, StateError, open_locked_state

    try:
        output = output_target(settings)[0]
    except OutputConfigError:
        output = None  # reported by the start-up checks
    templated = output is None or NAME_PLACEHOLDER in output or TIME_PLACEHOLDER in output
    if output is not None and not templated and output != STDOUT:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        locks.append(hold(OutputLock(output)))
    if get_str(settings, "NEWSCRAWLER_REDIS_URL"):
        return None  # shared by the workers of a distributed crawl
    path = get_str(settings, "NEWSCRAWLER_STATE_PATH")
    for site_id in site_ids:
        try:
            state, lock = open_locked_state(path, site_id)
        except StateDamagedError as exc:
            if runs_dir:
                outputs = f"{runs_dir}/*/*.jsonl"
            else:
                outputs = "OUTPUT.jsonl..." if output is None or templated else output
            print(f"newscrawler: {exc.advice(outputs)}", file=sys.stderr)
            return EXIT_STATE_DAMAGED
        except StateError as exc:
            print(f"newscrawler: {exc}", file=sys.stderr)
            return EXIT_WRITE_FAILED
        state.close()  # the crawl opens its own, checked once per process
        locks.append(lock)
    return None


def _write_status(crawlers: Sequence[Crawler]) -> int | None:
    """The exit status of a crawl a failed write or a damaged state stopped (each failure said
    in one line), else None."""
    from newscrawler.exitcodes import EXIT_STATE_DAMAGED, EXIT_WRITE_FAILED
    from newscrawler.safety.writes import FAILURE_STAT, FINISH_STATE_DAMAGED, FINISH_WRITE_FAILED

    reasons = {c.stats.get_value("finish_reason") for c in crawlers if c.stats is not None}
    failures = [
        str(c.stats.get_value(FAILURE_STAT))
        for c in crawlers
        if c.stats is not None and c.stats.get_value(FAILURE_STAT)
    ]
    for failure in dict.fromkeys(failures):
        print(f"newscrawler: {failure}", file=sys.stderr)
    if FINISH_STATE_DAMAGED in reasons:
        return EXIT_STATE_DAMAGED
    if FINISH_WRITE_FAILED in reasons:
        return EXIT_WRITE_FAILED
    return None


def _run_crawl(
    args: argparse.Namespace,
    settings: Settings,
    site_ids: list[str],
    log_file: str | None,
    process_class: type[CrawlerProcess],
    replaced: int = 0,
) -> int:
    import time

    from newscrawler.console import CrawlDisplay, format_summary
    from newscrawler.outcome import crawl_exit_code, site_outcome
    from newscrawler.safety.config import credential_urls, credential_values
    from newscrawler.safety.redact import install_redaction

    started = time.monotonic()
    process = process_class(settings)
    install_redaction(credential_urls(settings), credential_values(settings))
    # Each crawl is started by its site id, as Scrapy's own command does: a Crawler made first
    # with create_crawler() and then crawled left a distributed worker's written articles in
    # its in-flight hash (tests/test_distributed.py).
    for site_id in site_ids:
        process.crawl(site_id, **settings_pairs(args.arg))
    crawlers = sorted(process.crawlers, key=lambda c: site_ids.index(str(c.spidercls.name)))

    def current() -> list[tuple[str, dict[str, Any] | None]]:
        return [
            (c.spidercls.name, c.stats.get_stats() if c.stats is not None else None)
            for c in crawlers
        ]

    display = None
    if not args.verbose and not args.quiet:
        display = CrawlDisplay(
            current,
            sys.stderr,
            live=sys.stderr.isatty(),
            interval=get_float(settings, "NEWSCRAWLER_PROGRESS_INTERVAL"),
        )
        _every(display.refresh, 0.25 if display.live else 1.0)
        display.start()
    from newscrawler.stopping import CrawlStopper

    stopper = CrawlStopper(process, get_float(settings, "NEWSCRAWLER_STOP_GRACE"))
    if display is not None:
        stopper.on_interrupt = display.stopping
    stopper.install()
    try:
        process.start(install_signal_handlers=False)
    finally:
        if display is not None:
            display.stop()
    if process.bootstrap_failed and not any(c.stats and c.stats.get_stats() for c in crawlers):
        where = f" (see {log_file})" if log_file else ""
        print(f"newscrawler: the crawl could not start{where}", file=sys.stderr)
        return 1
    outcomes = [site_outcome(stats or {}, name) for name, stats in current()]
    if stopper.interrupted:
        for outcome in outcomes:
            if outcome.finish_reason == "finished":
                continue  # this site was done before the signal
            outcome.finish_reason = "shutdown"
    output = args.overwrite_output or args.output or get_str(settings, "NEWSCRAWLER_OUTPUT")
    print(
        format_summary(
            outcomes,
            output=str(output or "articles.jsonl"),
            state=get_str(settings, "NEWSCRAWLER_STATE_PATH") or None,
            log_file=log_file,
            fresh=args.fresh,
            elapsed=time.monotonic() - started,
            replaced=replaced,
        ),
        file=sys.stderr,
    )
    written = _write_status(crawlers)
    if written is not None:
        return written
    return crawl_exit_code(
        outcomes,
        interrupted=stopper.interrupted,
        distributed=bool(get_str(settings, "NEWSCRAWLER_REDIS_URL")),
    )


def _line_count(path: Path) -> int:
    """Lines in `path` (0 when it does not exist), read in blocks."""
    try:
        with path.open("rb") as handle:
            return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
    except OSError:
        return 0


def _every(call: Callable[[], None], seconds: float) -> None:
    """Call `call` every `seconds` from the reactor once it runs (the reactor is installed by
    the CrawlerProcess, so this comes after it is made)."""
    from twisted.internet import reactor, task

    loop = task.LoopingCall(call)

    def start() -> None:
        loop.start(seconds, now=False)

    # Stopped with the reactor: a LoopingCall only runs while the reactor does.
    reactor.callWhenRunning(start)


def _cmd_state_rebuild(args: argparse.Namespace) -> int:
    from scrapy.utils.project import get_project_settings

    from newscrawler.exitcodes import EXIT_LOCKED, EXIT_USAGE
    from newscrawler.locks import LockHeldError
    from newscrawler.state.rebuild import rebuild_state

    state = args.state or get_str(get_project_settings(), "NEWSCRAWLER_STATE_PATH")
    missing = [name for name in args.outputs if not Path(name).is_file()]
    if missing:
        print(f"newscrawler state rebuild: no such file: {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        report = rebuild_state(state, args.outputs)
    except LockHeldError as exc:
        print(f"newscrawler state rebuild: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except (OSError, ValueError) as exc:
        print(f"newscrawler state rebuild: {exc}", file=sys.stderr)
        return EXIT_USAGE
    kept = f"; the file it replaced is kept as {report.kept_as}" if report.kept_as else ""
    print(
        f"rebuilt {report.state}: {report.articles} articles from {report.lines} lines "
        f"({report.unreadable} unreadable){kept}"
    )
    return 0


def _start_problems(
    settings: Settings, site_ids: list[str], spider_args: dict[str, str]
) -> list[str]:
    from newscrawler.safety.hosts import start_url_problem
    from newscrawler.safety.redact import redact
    from newscrawler.sites import get_site
    from newscrawler.startup import configuration_problems, optional_services

    problems = configuration_problems(settings, optional=optional_services(site_ids))
    start_url = spider_args.get("start_url")
    for site_id in site_ids:
        site = get_site(site_id)
        # A site module's own start URLs too (a site file's are checked when it loads).
        for url in [start_url] if start_url is not None else site.discovery:
            problem = start_url_problem(url, site.domains)
            if problem:
                problems.append(redact(f"{site_id}: {problem}"))
    return problems


def _cmd_extract(args: argparse.Namespace) -> int:
    from newscrawler.saved_pages import run_extract

    # Read with the project's DOWNLOAD_MAXSIZE (run_extract's default), as a download would be;
    # Scrapy's settings loader is not imported for that (a second of start-up).
    return run_extract(args.files, args.url, sys.stdout, sys.stderr)


def _cmd_export(args: argparse.Namespace) -> int:
    from newscrawler.exitcodes import EXIT_USAGE
    from newscrawler.export import TEXT_WRITERS, keep_article, read_articles, write_parquet
    from newscrawler.pipelines.filters import parse_languages, parse_since

    try:
        since = parse_since(args.since) if args.since else None
    except ValueError as exc:
        print(f"newscrawler export: {exc}", file=sys.stderr)
        return EXIT_USAGE
    languages = parse_languages(args.language or "")
    sites = args.site or []
    if args.format == "parquet" and not args.output:
        print(
            "newscrawler export: Parquet is binary; name the file with -o FILE.parquet",
            file=sys.stderr,
        )
        return EXIT_USAGE
    source = sys.stdin if args.file == "-" else args.file
    articles = (a for a in read_articles(source) if keep_article(a, sites, since, languages))
    try:
        if args.format == "parquet":
            write_parquet(articles, args.output)
            return 0
        if args.output:
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                TEXT_WRITERS[args.format](articles, out)
            return 0
        count = TEXT_WRITERS[args.format](articles, sys.stdout)
        if count and args.format == "text" and sys.stdout.isatty():
            sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # `newscrawler export ... | head`: the reader has what it wanted. Later writes (and
        # Python's own flush at exit) go nowhere instead of raising again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except (OSError, ValueError) as exc:
        print(f"newscrawler export: {exc}", file=sys.stderr)
        return 1
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

    # Recording is how a fixtures folder starts: make it rather than refuse.
    Path(args.fixtures).mkdir(parents=True, exist_ok=True)
    found = _fixtures_and_sites(args)
    if isinstance(found, int):
        return found
    fixtures, _ = found
    overrides = settings_pairs(args.set)
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
        "-o",
        "--output",
        help="append articles to this .jsonl file (default: articles.jsonl); - for standard output",
    )
    crawl.add_argument(
        "-O", "--overwrite-output", help="write articles to this .jsonl file, replacing it"
    )
    crawl.add_argument(
        "--fresh",
        action="store_true",
        help="do not read the state: fetch and write every article found, known or not",
    )
    crawl.add_argument(
        "--max-articles",
        type=int,
        metavar="N",
        help="stop each site after exactly N articles written (NEWSCRAWLER_MAX_ARTICLES)",
    )
    crawl.add_argument(
        "--since",
        metavar="DATE",
        help="leave out articles published before DATE, YYYY-MM-DD (counted in the summary)",
    )
    crawl.add_argument(
        "--language",
        metavar="LANGS",
        help="keep only articles in these languages, e.g. ja,en (NEWSCRAWLER_LANGUAGES)",
    )
    loudness = crawl.add_mutually_exclusive_group()
    loudness.add_argument(
        "-v", "--verbose", action="store_true", help="Scrapy's full log on the terminal"
    )
    loudness.add_argument(
        "-q", "--quiet", action="store_true", help="print only the summary and problems"
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
        "--format",
        choices=["text", "jsonl", "csv", "parquet"],
        default="text",
        help="text: the source document's layout (default); jsonl: the articles again, filtered; "
        "csv: one row per article; parquet: typed columns (needs -o)",
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write here, not to stdout")
    export.add_argument(
        "--site", action="append", metavar="SITE", help="only this site's articles (repeatable)"
    )
    export.add_argument(
        "--since", metavar="DATE", help="only articles published on or after DATE (YYYY-MM-DD)"
    )
    export.add_argument("--language", metavar="LANGS", help="only these languages, e.g. ja,en")
    export.set_defaults(func=_cmd_export)

    extract = commands.add_parser(
        "extract", help="extract articles from saved pages (.html, .html.gz or standard input)"
    )
    extract.add_argument(
        "files", nargs="*", metavar="FILE", help="saved pages; none or - for stdin"
    )
    extract.add_argument("--url", help="the page's URL (default: its canonical URL)")
    extract.set_defaults(func=_cmd_extract)

    state = commands.add_parser("state", help="manage the crawl state")
    state_actions = state.add_subparsers(dest="state_command", required=True)
    rebuild = state_actions.add_parser(
        "rebuild",
        help="build a new state from the crawl's output files (for a damaged or lost state)",
    )
    rebuild.add_argument(
        "outputs", nargs="+", metavar="OUTPUT", help="the crawl's .jsonl files, oldest first"
    )
    rebuild.add_argument(
        "--state", metavar="PATH", help="state database to rebuild (NEWSCRAWLER_STATE_PATH)"
    )
    rebuild.set_defaults(func=_cmd_state_rebuild)
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
        from newscrawler.sites.registry import SITES_DIR_ENV

        folders = [
            *args.sites_dir,
            *filter(None, os.environ.get(SITES_DIR_ENV, "").split(os.pathsep)),
        ]
        os.environ[SITES_DIR_ENV] = os.pathsep.join(folders)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
