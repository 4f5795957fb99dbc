"""Why a state store cannot be used: its file is damaged, or it cannot be written. Each names the
file and says what to do, in one line a person can act on.

    StateError
    +-- StateDamagedError   the file is not a sound SQLite database (checked on open)
    +-- StateWriteError     a write failed (a full disk, an I/O error, a lock never released)
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["StateDamagedError", "StateError", "StateWriteError", "rebuild_hint"]


def rebuild_hint(path: str | Path, outputs: str = "OUTPUT.jsonl...") -> str:
    """The command that rebuilds the state at `path` from the crawl's output files."""
    return f"newscrawler state rebuild --state {path} {outputs}"


class StateError(RuntimeError):
    """The state at `path` cannot be used; `detail` is what SQLite (or the check) said."""

    def __init__(self, path: str | Path, detail: str, message: str | None = None) -> None:
        self.path = Path(path)
        self.detail = detail
        super().__init__(message or f"state {path}: {detail}")


class StateDamagedError(StateError):
    def __init__(self, path: str | Path, detail: str) -> None:
        self.path, self.detail = Path(path), detail
        super().__init__(path, detail, self.advice())

    def advice(self, outputs: str = "OUTPUT.jsonl...") -> str:
        """The one-line message, naming the crawl's output files when the caller knows them."""
        return (
            f"state file {self.path} is damaged ({self.detail}): rebuild it from the crawl's "
            f"output with `{rebuild_hint(self.path, outputs)}`, or move it away to start afresh"
        )


class StateWriteError(StateError):
    def __init__(self, path: str | Path, detail: str) -> None:
        super().__init__(
            path, detail, f"cannot write the state {path} ({detail}): free space or fix the disk"
        )
