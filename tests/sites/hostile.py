"""Test-only site on 127.0.0.1, loaded through NEWSCRAWLER_SITES_DIR by the hostile-input tests.

Every test crawl names its own start URL (`-a start_url=http://127.0.0.1:PORT/...`) on a local
server; every URL found there is an article candidate, so hostile pages reach extraction.
"""

from newscrawler.sites import Site

SITE = Site(
    id="hostile",
    name="Hostile Test Site",
    domains=("127.0.0.1",),
    discovery=("http://127.0.0.1/robots.txt",),
)
