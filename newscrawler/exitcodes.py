"""Exit statuses of the `newscrawler` command, one named constant each, for cron and the scheduler.

A crawl that ran exits 0 whether or not it found new articles; every other status names one
reason a person (or a monitoring job) must look at the run. Status 1 is left to Python itself: an
unexpected crash (a traceback).
"""

from __future__ import annotations

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_NOTHING_FETCHED",
    "EXIT_OK",
    "EXIT_STATE_DAMAGED",
    "EXIT_USAGE",
    "EXIT_WRITE_FAILED",
    "describe",
]

EXIT_OK = 0
"""The crawl ran: articles written, or none new."""
EXIT_USAGE = 2
"""Bad usage or configuration: nothing was crawled (argparse uses 2 too)."""
EXIT_NOTHING_FETCHED = 3
"""No page of a site could be fetched (DNS failure, a dead proxy, robots.txt unreachable)."""
EXIT_INTERRUPTED = 4
"""Stopped by Ctrl-C or SIGTERM before the crawl finished; the output holds whole lines."""
EXIT_WRITE_FAILED = 5
"""The output or the state could not be written."""
EXIT_STATE_DAMAGED = 6
"""The state database is damaged: nothing was crawled; `newscrawler state rebuild` makes one."""
EXIT_LOCKED = 7
"""Another live process holds this crawl's output, state or site lock: nothing was started."""

_MEANINGS = {
    EXIT_OK: "ok",
    1: "crashed (see the log)",
    EXIT_USAGE: "bad usage or configuration",
    EXIT_NOTHING_FETCHED: "no page could be fetched",
    EXIT_INTERRUPTED: "interrupted",
    EXIT_WRITE_FAILED: "output or state write failed",
    EXIT_STATE_DAMAGED: "damaged state",
    EXIT_LOCKED: "another crawl holds its lock",
}


def describe(code: int) -> str:
    """A few words for an exit status (`-15`: killed by signal 15, as subprocess reports it)."""
    if code < 0:
        return f"killed by signal {-code}"
    return _MEANINGS.get(code, "unknown status")
