"""Incremental crawling: skip known unchanged URLs, revisit recent ones, link syndicated copies."""

from newscrawler.incremental.neardup import NearDuplicateIndex, body_minhash
from newscrawler.incremental.revisit import (
    DEFAULT_REVISIT_HOURS,
    FetchPlan,
    plan_fetch,
    revisit_due,
)

__all__ = [
    "DEFAULT_REVISIT_HOURS",
    "FetchPlan",
    "NearDuplicateIndex",
    "body_minhash",
    "plan_fetch",
    "revisit_due",
]
