"""Near-duplicate signatures as stored: the band keys of a body's MinHash values, shared by the
state stores (SQLite, Redis) and near-duplicate linking. No dependency beyond the standard
library, so the stores need not load datasketch to index a signature."""

from __future__ import annotations

import hashlib

__all__ = ["BAND_ROWS", "BAND_SCHEME", "SIGNATURE_BANDS", "band_keys"]

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
