"""Start-up repair of the state from the output: the line is the truth.

The writer records an article (and its near-duplicate signature) in the state right after its
line is written; a SIGKILL between the two leaves a line the state does not know, which the
next run would write again, and a story later copies would not be linked to. Reading the
last lines of the output before the crawl starts, and recording any the state lacks, makes the
output hold each article exactly once per revision.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

from newscrawler.items import Article
from newscrawler.state.protocol import ArticleState

logger = logging.getLogger(__name__)

__all__ = ["last_lines", "previous_output", "reconcile_output"]

# The writer writes one line at a time, so only the last can lack its state record; a few more
# are read to be safe, from at most this many bytes.
TAIL_LINES = 8
TAIL_BYTES = 1 << 20
_FIELDS = {f.name for f in dataclasses.fields(Article)}


def last_lines(path: Path, count: int = TAIL_LINES) -> list[bytes]:
    """The last `count` complete lines of `path` (a partial last line is not one)."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - TAIL_BYTES))
            data = handle.read()
    except OSError:
        return []
    if not data.endswith(b"\n"):
        data = data[: data.rfind(b"\n") + 1]
    lines = data.split(b"\n")[:-1]
    if size > TAIL_BYTES and lines:
        lines = lines[1:]  # the first may be cut by the read window
    return lines[-count:]


def reconcile_output(state: ArticleState, *paths: Path) -> int:
    """Record in the state the articles at the end of `paths` it lacks; returns how many."""
    repaired = 0
    for path in paths:
        for line in last_lines(path):
            try:
                data = json.loads(line)
                article = Article(**{k: v for k, v in data.items() if k in _FIELDS})
            except (ValueError, TypeError):
                continue
            if not article.canonical_url or not article.content_hash:
                continue
            if article.body and article.id and not state.has_signature(article.id):
                # The near-duplicate signature is stored after the line too: restore it, so a
                # later copy of this story is still linked to it.
                # Imported here: datasketch loads scipy, which every command would pay for
                # through the scheduler's imports, though only a recovery needs it.
                from newscrawler.signatures import body_minhash

                minhash = body_minhash(article.body)
                state.record_signature(
                    article.id, article.site, minhash.hashvalues.tobytes(), article.duplicate_of
                )
            known = state.article(article.canonical_url)
            if known is not None and known.revision >= article.revision:
                continue
            state.record(article)
            repaired += 1
            logger.warning(
                "state repaired from %s: %s revision %d was written but not recorded",
                path,
                article.canonical_url,
                article.revision,
            )
    return repaired


def previous_output(path: Path) -> Path | None:
    """The newest other `.jsonl` beside `path`: the last run's file when each run writes its own
    (`--runs-dir`)."""
    siblings = [p for p in path.parent.glob("*.jsonl") if p != path and p.is_file()]
    return max(siblings, key=lambda p: p.stat().st_mtime, default=None)
