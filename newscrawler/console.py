"""What a person sees of `newscrawler crawl`: one live progress display for every site of the
command, then one summary with a row per site and a total.

In a terminal the display is a single line redrawn in place (rich); elsewhere (cron, a pipe) it
is a plain line every NEWSCRAWLER_PROGRESS_INTERVAL seconds, with no escape codes. Scrapy's own
log goes to a file (see `newscrawler crawl -v`), so this is all the terminal shows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TextIO

from newscrawler.outcome import SiteOutcome

__all__ = ["CrawlDisplay", "format_summary", "progress_line"]

StatsSource = Callable[[], Sequence[tuple[str, Mapping[str, Any] | None]]]


def progress_line(sites: Sequence[tuple[str, Mapping[str, Any] | None]], elapsed: float) -> str:
    """`sites 3/17 done, pages 120, articles 19, duplicates 0, rejects 2, errors 0, 85 pages/min`
    from each site's current stats (None: not started yet)."""
    from newscrawler.outcome import site_outcome

    outcomes = [site_outcome(stats or {}, name) for name, stats in sites]
    done = sum(1 for _, stats in sites if stats and stats.get("finish_reason"))
    pages = sum(o.pages for o in outcomes)
    rate = pages / (elapsed / 60) if elapsed > 0 else 0.0
    return (
        f"sites {done}/{len(sites)} done, pages {pages}, "
        f"articles {sum(o.written for o in outcomes)}, "
        f"duplicates {sum(o.duplicates for o in outcomes)}, "
        f"rejects {sum(o.rejects for o in outcomes)}, "
        f"errors {sum(o.errors for o in outcomes)}, {rate:.0f} pages/min"
    )


class CrawlDisplay:
    """The live progress display. `start()` and `stop()` bracket the crawl; `refresh()` is
    called from the reactor (never from a thread: the stats are the reactor's)."""

    def __init__(
        self, source: StatsSource, stream: TextIO, live: bool, interval: float = 10.0
    ) -> None:
        self.source = source
        self.stream = stream
        self.live = live
        self.interval = interval
        self.started = time.monotonic()
        self._last_plain = self.started
        self._live: Any = None
        self.prefix = ""
        """Shown before the counts, e.g. that the crawl is stopping."""

    def start(self) -> None:
        self.started = self._last_plain = time.monotonic()
        if self.live:
            from rich.console import Console
            from rich.live import Live

            console = Console(file=self.stream, highlight=False)
            # Redrawn only when refresh() says so: rich's own refresh thread would read the
            # stats while the reactor changes them.
            self._live = Live(self._line(), console=console, auto_refresh=False, transient=True)
            self._live.start()

    def _line(self) -> str:
        return self.prefix + progress_line(self.source(), time.monotonic() - self.started)

    def stopping(self) -> None:
        self.prefix = "stopping (Ctrl-C again: at once): "
        if self._live is not None:
            self.refresh()
        else:
            self.stream.write(self.prefix + "\n")
            self.stream.flush()

    def refresh(self) -> None:
        if self._live is not None:
            self._live.update(self._line(), refresh=True)
        elif self.interval > 0 and time.monotonic() - self._last_plain >= self.interval:
            self._last_plain = time.monotonic()
            self.stream.write(self._line() + "\n")
            self.stream.flush()

    def stop(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


_COLUMNS = ("site", "pages", "new", "known", "dups", "rejects", "errors", "status")


def _row(outcome: SiteOutcome) -> list[str]:
    status = "interrupted" if outcome.interrupted else outcome.finish_reason
    if outcome.nothing_fetched and not outcome.interrupted:
        status = "NOTHING FETCHED"
    return [
        outcome.site,
        str(outcome.pages),
        str(outcome.written),
        str(outcome.known),
        str(outcome.duplicates),
        str(outcome.rejects),
        str(outcome.errors),
        status,
    ]


_FILTER_NOTES = {
    "since": "published before --since",
    "language": "in another language (--language)",
    "max-articles": "over --max-articles",
}


def format_summary(
    outcomes: Iterable[SiteOutcome],
    *,
    output: str | None = None,
    state: str | None = None,
    log_file: str | None = None,
    fresh: bool = False,
    elapsed: float | None = None,
    replaced: int = 0,
) -> str:
    """The end-of-crawl summary: a table with a row per site and a total, then what the run did
    in words (new articles or why none), filters applied, problems, and where the log is.
    `replaced`: the lines an `-O` output held before this run emptied it."""
    outcomes = list(outcomes)
    rows = [list(_COLUMNS)] + [_row(o) for o in outcomes]
    if len(outcomes) > 1:
        total = [
            "total",
            *(
                str(sum(getattr(o, attr) for o in outcomes))
                for attr in ("pages", "written", "known", "duplicates", "rejects", "errors")
            ),
            f"{sum(1 for o in outcomes if not o.nothing_fetched)}/{len(outcomes)} sites fetched",
        ]
        rows.append(total)
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]

    def line(cells: list[str]) -> str:
        # Names left, numbers right, status left.
        out = [cells[0].ljust(widths[0])]
        out += [c.rjust(w) for c, w in zip(cells[1:-1], widths[1:-1], strict=True)]
        out.append(cells[-1])
        return "  ".join(out).rstrip()

    lines = [line(rows[0])] + [line(r) for r in rows[1:]]
    if len(outcomes) > 1:
        lines.insert(-1, "-" * len(lines[0]))
    written = sum(o.written for o in outcomes)
    known = sum(o.known for o in outcomes)
    took = f" in {elapsed:.1f}s" if elapsed is not None else ""
    target = f" to {output}" if output and output != "-" else ""
    if written:
        words = f"{written} new article{'s' if written != 1 else ''} written{target}{took}"
        if known:
            words += f"; {known} already known"
    elif known:
        words = f"{known} already known, nothing new{took}"
    else:
        words = f"no articles written{took}"
    lines.append(words)
    if fresh:
        lines.append("--fresh: the state was not read; every article found was written")
    elif known:
        if replaced and not written:
            lines.append(
                f"-O emptied {output}, which held {replaced} article"
                f"{'s' if replaced != 1 else ''}: use -o to append, or --fresh to write the "
                "known ones again"
            )
        where = f" ({state})" if state else ""
        lines.append(
            f"known articles are in the state{where} and the output of earlier runs; "
            "--fresh writes them again"
        )
    filtered: dict[str, int] = {}
    for outcome in outcomes:
        for name, count in outcome.filtered.items():
            filtered[name] = filtered.get(name, 0) + count
    for name, count in sorted(filtered.items()):
        lines.append(f"left out: {count} {_FILTER_NOTES.get(name, name)}")
    problems = [p for p in (o.problem() for o in outcomes) if p]
    lines += [f"PROBLEM {p}" for p in problems]
    if log_file:
        lines.append(f"full log: {log_file}")
    return "\n".join(lines)
