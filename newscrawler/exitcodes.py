"""The exit statuses of the `newscrawler` command, defined once: scripts and schedulers tell the
outcomes apart by these numbers, so each keeps its meaning across releases."""

from __future__ import annotations

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_NOTHING_FETCHED",
    "EXIT_OK",
    "EXIT_STATE_DAMAGED",
    "EXIT_USAGE",
    "EXIT_WRITE_FAILED",
]

EXIT_OK = 0
# A bad argument, setting or site file: nothing was started.
EXIT_USAGE = 2
# The crawl ran but fetched no page.
EXIT_NOTHING_FETCHED = 3
# Stopped by SIGINT/SIGTERM before the crawl finished.
EXIT_INTERRUPTED = 4
# The output file or the state could not be written (a full disk, an I/O error): the crawl
# stopped after undoing the article it was writing, so the next run writes it once.
EXIT_WRITE_FAILED = 5
# The state file is damaged: nothing was crawled; `newscrawler state rebuild` makes a new one.
EXIT_STATE_DAMAGED = 6
# Another live process holds this crawl's state, output or site lock: nothing was started.
EXIT_LOCKED = 7
