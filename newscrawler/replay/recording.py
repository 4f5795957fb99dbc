"""A recorded site on disk: responses keyed by URL, each with its status, headers and raw body.

Layout of a recording folder:

    index.json     {"responses": [{"url": ..., "status": 200, "headers": {...}, "body": "file"}]}
    <files>        the bodies exactly as served: bytes on the wire after transfer decoding; a
                   body served with `Content-Encoding: gzip` stays gzip-compressed on disk.

Lookups ignore the fragment; a URL is matched as written first, then in canonical form, so a
recording keeps working when a site adds tracking parameters.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from newscrawler.extraction.urls import canonicalize_url

__all__ = ["INDEX_FILE", "RecordedResponse", "Recording"]

INDEX_FILE = "index.json"


@dataclass(frozen=True)
class RecordedResponse:
    url: str
    status: int
    headers: Mapping[str, str]
    body_path: Path | None

    def body(self) -> bytes:
        return self.body_path.read_bytes() if self.body_path else b""


@dataclass
class Recording:
    """The responses of one recorded site, loaded from its folder."""

    root: Path
    responses: dict[str, RecordedResponse] = field(default_factory=dict)
    by_canonical: dict[str, RecordedResponse] = field(default_factory=dict)

    @classmethod
    def load(cls, root: str | Path) -> Recording:
        """One recorded site (a folder with index.json), or every `<site>/site/` recording
        under a folder such as `fixtures/`, merged into one."""
        root = Path(root)
        if (root / INDEX_FILE).is_file():
            return cls._load_one(root)
        folders = sorted(p.parent for p in root.glob(f"*/site/{INDEX_FILE}"))
        if not folders:
            raise FileNotFoundError(
                f"{root} holds no {INDEX_FILE} nor <site>/site/{INDEX_FILE}: a replay folder "
                "lists its responses in index.json (see newscrawler/replay/recording.py)"
            )
        merged = cls(root)
        for folder in folders:
            for response in cls._load_one(folder):
                merged.add(response)
        return merged

    @classmethod
    def _load_one(cls, root: Path) -> Recording:
        index_path = root / INDEX_FILE
        data = json.loads(index_path.read_text(encoding="utf-8"))
        recording = cls(root)
        for entry in data.get("responses", []):
            body = entry.get("body")
            body_path = (root / body).resolve() if body else None
            if body_path is not None and not body_path.is_relative_to(root.resolve()):
                raise ValueError(f"{index_path}: body {body!r} lies outside the recording")
            recording.add(
                RecordedResponse(
                    url=entry["url"],
                    status=int(entry.get("status", 200)),
                    headers=dict(entry.get("headers", {})),
                    body_path=body_path,
                )
            )
        return recording

    def add(self, response: RecordedResponse) -> None:
        self.responses[self._key(response.url)] = response
        self.by_canonical.setdefault(canonicalize_url(response.url), response)

    @staticmethod
    def _key(url: str) -> str:
        return url.split("#", 1)[0]

    def get(self, url: str) -> RecordedResponse | None:
        key = self._key(url)
        return self.responses.get(key) or self.by_canonical.get(canonicalize_url(key))

    def __iter__(self) -> Iterator[RecordedResponse]:
        return iter(self.responses.values())

    def __len__(self) -> int:
        return len(self.responses)
