"""Incremental crawling: skip known unchanged URLs, revisit recent ones, link syndicated copies.

Near-duplicate linking (`incremental.neardup`, datasketch and the scipy it loads) is imported
where it is used, not by every importer of the revisit rules.
"""

from newscrawler.incremental.revisit import (
    DEFAULT_REVISIT_HOURS,
    FetchPlan,
    plan_fetch,
    revisit_due,
)

__all__ = [
    "DEFAULT_REVISIT_HOURS",
    "FetchPlan",
    "plan_fetch",
    "revisit_due",
]
