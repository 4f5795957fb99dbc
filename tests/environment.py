"""The environment of a child crawl process in tests: only 127.0.0.1 is reachable."""

from __future__ import annotations

import os

PROXY_VARIABLES = frozenset({"no_proxy", "http_proxy", "https_proxy", "all_proxy"})


def child_environment(proxy: str | None = None) -> dict[str, str]:
    """This process's environment without the machine's proxy variables, and with `proxy` as
    http_proxy/https_proxy when given (the path a user behind a proxy takes)."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in PROXY_VARIABLES}
    if proxy:
        env["http_proxy"] = env["https_proxy"] = proxy
    return env
