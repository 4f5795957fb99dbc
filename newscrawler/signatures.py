"""Near-duplicate signatures: a body's MinHash and the band keys of its stored values, shared by
the state stores (SQLite, Redis, the rebuild from written files) and near-duplicate linking.

Shingles are two consecutive words (each Han, kana or Hangul character counts as a word) of the
casefolded body: 128 permutations, 512 bytes per article. numpy and datasketch are loaded on the
first signature computed, so a store that only indexes stored signatures does without them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import cache
from operator import methodcaller
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datasketch import MinHash

__all__ = [
    "BAND_ROWS",
    "BAND_SCHEME",
    "NUM_PERM",
    "SCHEME",
    "SIGNATURE_BANDS",
    "band_keys",
    "body_minhash",
    "minhash_permutations",
    "shingles",
]

# Near-duplicate candidates: datasketch MinHashLSH's banding for threshold 0.2 at 128 permutations
# (its optimal b and r, checked by a test): the first SIGNATURE_BANDS * BAND_ROWS hash values of a
# signature, BAND_ROWS per band. Two bodies are candidates when any band is equal, exactly as in
# MinHashLSH. A band (its number and 2 x 4 bytes) is stored as a 64-bit hash: a collision only
# adds a candidate, which the Jaccard estimate then rejects.
SIGNATURE_BANDS = 28
BAND_ROWS = 2
BAND_SCHEME = f"minhash/{SIGNATURE_BANDS}x{BAND_ROWS}/blake2b-64"
_BAND_BYTES = 4 * BAND_ROWS  # the hash values are uint32


def band_keys(minhash: bytes) -> list[int]:
    """The signed 64-bit key of each band of a stored signature (uint32 hash values)."""
    keys = []
    for band in range(SIGNATURE_BANDS):
        chunk = minhash[band * _BAND_BYTES : (band + 1) * _BAND_BYTES]
        if len(chunk) < _BAND_BYTES:
            break
        digest = hashlib.blake2b(bytes((band,)) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


NUM_PERM = 128
# Named, not left to datasketch's default: stored signatures must be read with the same scheme
# (datasketch 2.0 changed the default and refuses unnamed stored values).
SCHEME = "affine32"
SHINGLE_WORDS = 2
_TOKEN_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]|[^\W_]+")
_DIGEST = methodcaller("digest")


def shingles(paragraphs: Iterable[str], size: int = SHINGLE_WORDS) -> set[str]:
    tokens = _TOKEN_RE.findall(" ".join(paragraphs).casefold())
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return set(map(" ".join, zip(*(tokens[i:] for i in range(size)), strict=False)))


@cache
def _permutations() -> tuple[Any, Any, Any, Any]:
    """MinHash's permutations, drawn from its seed on every construction and the same for
    every signature: drawn once. With their uint32 arrays and the empty body's values."""
    import numpy as np
    from datasketch import MinHash

    permutations = MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations
    a, b = (np.asarray(p, dtype=np.uint32) for p in permutations)
    empty = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
    return permutations, a, b, empty


def minhash_permutations() -> Any:
    """The permutations every signature is computed with (datasketch's, for NUM_PERM and SCHEME)."""
    return _permutations()[0]


def _fmix32(values: Any) -> Any:
    """MurmurHash3's 32-bit finalizer, which datasketch's affine32 scheme applies first."""
    import numpy as np

    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def body_minhash(paragraphs: Iterable[str]) -> MinHash:
    """The body's MinHash: the values `MinHash.update_batch` gives for its encoded shingles
    (a test compares them on real bodies), computed without a Python call per shingle.

    datasketch hashes each shingle with SHA-1 (the first 4 digest bytes, little-endian), mixes
    the hashes with fmix32 and takes, per permutation, the minimum of a*h + b modulo 2**32.
    Here the SHA-1s run through C-level `map`s and the rest is numpy on the whole batch
    (benchmarks/item_path.py times it beside `update_batch`)."""
    import numpy as np
    from datasketch import MinHash

    permutations, a, b, empty = _permutations()
    encoded = list(map(str.encode, shingles(paragraphs)))
    if encoded:
        digests = b"".join(map(_DIGEST, map(hashlib.sha1, encoded)))
        hashes = _fmix32(np.frombuffer(digests, dtype="<u4").reshape(-1, 5)[:, 0].astype(np.uint32))
        values = (hashes[:, None] * a + b).min(axis=0)
    else:
        values = empty
    return MinHash(scheme=SCHEME, hashvalues=values, permutations=permutations)
