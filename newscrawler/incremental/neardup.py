"""Syndicated copies: MinHash signatures of article bodies in an LSH index (datasketch), across
sites and runs, so a later copy of a wire story links to the earliest one.

The signatures are `newscrawler.signatures.body_minhash` (two-word shingles, 128 permutations,
512 bytes per article). The index is the state itself: each
stored signature comes with its LSH band keys (MinHashLSH's banding for threshold 0.2, see
`newscrawler.signatures.band_keys`), so a query reads only the candidates sharing a band, memory
stays flat however many articles are stored, and in Redis every worker sees every other worker's
articles at once. Only this process's articles not yet written are held in memory.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from datasketch import MinHash

from newscrawler.defaults import setting_default
from newscrawler.signatures import BAND_ROWS, SIGNATURE_BANDS
from newscrawler.state.protocol import ArticleState
from newscrawler.state.records import SignatureRecord, utc_stamp
from newscrawler.state.sqlite import SqliteArticleState

__all__ = ["DEFAULT_THRESHOLD", "NearDuplicateIndex"]

# Measured on fixtures/incremental/ (2-word shingles, exact Jaccard / 128-permutation
# estimate): the wire copy 0.92/0.93, the edited rewrite 0.41-0.43/0.41-0.42, different stories
# on the same topic 0.03-0.05/0.00-0.02. 0.2 sits 5 standard errors of the estimate below the
# rewrite and 8 above the other stories. (3-word shingles gave the rewrite only 0.33.)
DEFAULT_THRESHOLD: float = setting_default("NEWSCRAWLER_NEARDUP_THRESHOLD")


@dataclass(frozen=True)
class _Pending:
    minhash: MinHash
    duplicate_of: str | None
    first_seen: str


class NearDuplicateIndex:
    """Near-duplicate lookups in the signatures of a state store (with their band keys), plus the
    bodies of this process on their way to the writer (`add`), stored once written (`store`).

    Without a state (`NEWSCRAWLER_DEDUP_ACROSS_RUNS` off) the signatures of this run go to a
    temporary SQLite file, deleted by `close`.
    """

    def __init__(self, state: ArticleState | None, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold
        self._folder: str | None = None
        if state is None:
            self._folder = tempfile.mkdtemp(prefix="newscrawler-neardup-")
            state = SqliteArticleState(Path(self._folder) / "signatures.sqlite3")
        self.state: ArticleState = state
        # Bodies indexed but whose line is not written yet (so not in the state): a copy later in
        # this run is linked to them all the same. As many as items in flight.
        self.pending: dict[str, _Pending] = {}

    def add(self, article_id: str, minhash: MinHash, duplicate_of: str | None = None) -> None:
        """Index a body for this process until `store`; a new revision replaces the old body."""
        self.pending[article_id] = _Pending(minhash, duplicate_of, utc_stamp())

    def store(self, article_id: str, site: str) -> bool:
        """The article's line is written: store its signature (and band keys) in the state.
        False when it was not pending."""
        pending = self.pending.pop(article_id, None)
        if pending is None:
            return False
        self.state.record_signature(
            article_id, site, pending.minhash.hashvalues.tobytes(), pending.duplicate_of
        )
        return True

    def discard(self, article_id: str) -> None:
        """The article was dropped after `add`: it will not be written."""
        self.pending.pop(article_id, None)

    def close(self) -> None:
        """Delete the temporary signatures of a run without a state (a given state stays open)."""
        if self._folder is not None:
            self.state.close()
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _candidates(self, values: np.ndarray) -> dict[str, SignatureRecord]:
        """Stored and pending bodies sharing an LSH band with the signature `values`."""
        found = {r.id: r for r in self.state.similar_signatures(values.tobytes())}
        used = SIGNATURE_BANDS * BAND_ROWS
        bands = values[:used].reshape(SIGNATURE_BANDS, BAND_ROWS)
        for key, pending in self.pending.items():
            theirs = np.asarray(pending.minhash.hashvalues, dtype=np.uint32)
            known = found.get(key)
            if (theirs[:used].reshape(SIGNATURE_BANDS, BAND_ROWS) == bands).all(axis=1).any():
                # A new revision replaces the stored body; the first sighting and link stay.
                found[key] = SignatureRecord(
                    key,
                    known.first_seen if known else pending.first_seen,
                    known.duplicate_of if known else pending.duplicate_of,
                    theirs.tobytes(),
                )
            elif known is not None:
                del found[key]  # only its old revision shared a band
        return found

    def matches(self, minhash: MinHash, exclude: Sequence[str] = ()) -> list[tuple[str, float]]:
        """(id, estimated Jaccard) of indexed bodies at or above the threshold, best first."""
        return [(r.id, score) for r, score in self._matches(minhash, exclude)]

    def _matches(
        self, minhash: MinHash, exclude: Sequence[str]
    ) -> list[tuple[SignatureRecord, float]]:
        values = np.asarray(minhash.hashvalues, dtype=np.uint32)
        found = []
        for record in self._candidates(values).values():
            if record.id in exclude:
                continue
            theirs = np.frombuffer(record.minhash, dtype=np.uint32)
            if len(theirs) != len(values):
                continue
            # As MinHash.jaccard: the share of equal hash values.
            score = float(np.count_nonzero(theirs == values)) / len(values)
            if score >= self.threshold:
                found.append((record, score))
        return sorted(found, key=lambda p: (-p[1], p[0].id))

    def _records(self, article_ids: Iterable[str]) -> dict[str, SignatureRecord]:
        """First sighting and link of indexed articles (a stored one's from the state)."""
        wanted = set(article_ids)
        found = {
            key: SignatureRecord(key, p.first_seen, p.duplicate_of, b"")
            for key, p in self.pending.items()
            if key in wanted
        }
        found.update(self.state.signature_records(wanted))
        return found

    def earliest_copy(self, minhash: MinHash, exclude: Sequence[str] = ()) -> str | None:
        """The id of the earliest article this body is a copy of, or None."""
        matched = self._matches(minhash, exclude)
        if not matched:
            return None
        known = {record.id: record for record, _ in matched}
        # Follow `duplicate_of` to the root of each match, fetching each level in one batch.
        frontier = {r.duplicate_of for r in known.values() if r.duplicate_of}
        while frontier := {key for key in frontier if key not in known}:
            parents = self._records(frontier)
            known.update(parents)
            # An unknown parent (no signature) ends its chain, as a root.
            known.update({k: SignatureRecord(k, "", None, b"") for k in frontier - set(parents)})
            frontier = {r.duplicate_of for r in parents.values() if r.duplicate_of}
        roots = {self._root(record.id, known) for record, _ in matched} - set(exclude)
        if not roots:
            return None
        return min(roots, key=lambda key: (known[key].first_seen, key))

    @staticmethod
    def _root(article_id: str, known: dict[str, SignatureRecord]) -> str:
        """The earliest copy `article_id` links to (itself when it is an original)."""
        seen = {article_id}
        while (parent := known[article_id].duplicate_of) and parent not in seen:
            seen.add(parent)
            article_id = parent
        return article_id
