"""What a site's crawl came to (newscrawler/outcome.py) and the summary made of it
(newscrawler/console.py): pure functions of Scrapy stats."""

from __future__ import annotations

from newscrawler.console import format_summary, progress_line
from newscrawler.exitcodes import EXIT_INTERRUPTED, EXIT_NOTHING_FETCHED, EXIT_OK, describe
from newscrawler.outcome import crawl_exit_code, site_outcome

ROBOTS_ONLY = {
    "finish_reason": "finished",
    "downloader/response_count": 1,
    "robotstxt/response_count": 1,
    "newscrawler/spider/discovery/robots": 1,
}
RERUN = {
    "finish_reason": "finished",
    "downloader/response_count": 4,
    "robotstxt/response_count": 1,
    "newscrawler/spider/discovery/robots": 1,
    "newscrawler/spider/links/article": 3,
    "newscrawler/incremental/skipped": 2,
    "newscrawler/deduplicate/url-seen": 1,
}


def test_a_site_that_answered_only_robots_txt_fetched_nothing() -> None:
    outcome = site_outcome(ROBOTS_ONLY, "jmh")
    assert outcome.nothing_fetched and outcome.exit_code == EXIT_NOTHING_FETCHED
    assert crawl_exit_code([outcome, site_outcome(RERUN, "asahi")]) == EXIT_NOTHING_FETCHED
    # A worker of a shared crawl whose share was empty did not fail; one whose fetches failed did.
    assert crawl_exit_code([outcome], distributed=True) == EXIT_OK
    failed = site_outcome({**ROBOTS_ONLY, "downloader/exception_type_count/X": 2}, "jmh")
    assert crawl_exit_code([failed], distributed=True) == EXIT_NOTHING_FETCHED


def test_interrupted_wins_over_everything_else() -> None:
    stopped = site_outcome({**RERUN, "finish_reason": "shutdown"}, "jmh")
    assert crawl_exit_code([stopped, site_outcome(ROBOTS_ONLY, "asahi")]) == EXIT_INTERRUPTED
    assert crawl_exit_code([site_outcome(RERUN, "jmh")], interrupted=True) == EXIT_INTERRUPTED
    # Never closed (a second Ctrl-C stopped the process at once): interrupted too.
    assert site_outcome({"downloader/response_count": 3}, "jmh").interrupted
    assert describe(EXIT_INTERRUPTED) == "interrupted" and describe(-9) == "killed by signal 9"


def test_summary_of_a_rerun_says_what_is_known_and_how_to_get_it_again() -> None:
    outcome = site_outcome(RERUN, "jmh")
    assert (outcome.pages, outcome.written, outcome.known) == (3, 0, 3)
    text = format_summary([outcome], output="a.jsonl", state=".newscrawler/state.sqlite3")
    assert "3 already known, nothing new" in text
    assert "--fresh writes them again" in text
    assert "articles written   0" not in text
    two = format_summary(
        [outcome, site_outcome({**RERUN, "newscrawler/write/articles": 2}, "asahi")],
        output="a.jsonl",
    )
    table = two.splitlines()
    assert table[0].split() == ["site", "pages", "new", "known", "dups", "rejects", "errors",
                                "status"]  # fmt: skip
    assert table[4].split()[:4] == ["total", "6", "2", "6"]
    assert "2 new articles written to a.jsonl; 6 already known" in two


def test_progress_line_counts_sites_done_and_every_total() -> None:
    line = progress_line([("jmh", RERUN), ("asahi", None)], elapsed=30.0)
    assert line == (
        "sites 1/2 done, pages 3, articles 0, duplicates 0, rejects 0, errors 0, 6 pages/min"
    )
