"""JavaScript pages through a Splash server (scrapy-splash): requests, middlewares, decisions.

Importing this package applies `compat` first, so scrapy-splash 0.11.1 imports and runs on the
Scrapy this project uses; every other module reaches scrapy-splash through here.
"""

from newscrawler.splash import compat

compat.apply()

from scrapy_splash import (  # noqa: E402 - must follow compat.apply()
    SplashRequest,
    SplashRequestFingerprinter,
    SplashTextResponse,
)

__all__ = ["SplashRequest", "SplashRequestFingerprinter", "SplashTextResponse"]
