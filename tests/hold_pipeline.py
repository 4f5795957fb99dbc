"""An item pipeline for tests/test_distributed.py, loaded by a worker process: it holds one
article (the URL in NEWSCRAWLER_TEST_HOLD) in the pipelines for two minutes, after writing the
file `held` in the worker's folder, so the test can kill the worker at that moment."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any


class HoldPipeline:
    async def process_item(self, item: Any) -> Any:
        held = os.environ.get("NEWSCRAWLER_TEST_HOLD", "")
        if held and getattr(item, "url", "") == held:
            Path("held").write_text(held, encoding="utf-8")
            await asyncio.sleep(120)
        return item
