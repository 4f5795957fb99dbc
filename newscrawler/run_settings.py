"""The settings one run is given: `-s NAME=VALUE` pairs, and those a scheduler passes a run it
starts (through the environment, not the command line)."""

from __future__ import annotations

import json
import os
from collections.abc import MutableMapping, Sequence

__all__ = ["RUN_SETTINGS_ENV", "run_settings_from_env", "settings_pairs"]

# The settings `newscrawler schedule -s` gives each run, as a JSON object, in the run's
# environment: only the same user can read a process's environment (/proc/PID/environ), while
# anyone on the machine can read its command line (/proc/PID/cmdline), and a SPLASH_URL, proxy
# or Redis URL carries a password.
RUN_SETTINGS_ENV = "NEWSCRAWLER_RUN_SETTINGS"


def run_settings_from_env(environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """The settings a scheduler passed this run (removed from the environment once read, so
    nothing this process starts inherits them); ValueError when they are not a JSON object of
    strings."""
    raw = (os.environ if environ is None else environ).pop(RUN_SETTINGS_ENV, None)
    if raw is None:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"{RUN_SETTINGS_ENV} is not JSON: {exc}") from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError(f'{RUN_SETTINGS_ENV} must be a JSON object {{"NAME": "value"}}')
    return value


def settings_pairs(values: Sequence[str]) -> dict[str, str]:
    """`-s NAME=VALUE` values as a dict; a value without a name or "=" stops the command with
    a message (redacted: the value may carry a password)."""
    pairs: dict[str, str] = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name:
            from newscrawler.safety.redact import redact

            raise SystemExit(redact(f"newscrawler: -s expects NAME=VALUE, got {value!r}"))
        pairs[name] = setting
    return pairs
