"""newscrawler: a news crawler on Scrapy. The Python API (newscrawler/api.py):

- `extract(html, url=...) -> Article | None`: one saved page to its article, offline;
- `crawl(sites, replay=..., max_articles=...) -> Iterator[Article]`: run a crawl, iterate its
  articles as they are written;
- `Article`: the article, one field per JSON Lines key (newscrawler/items.py);
- `CrawlError`: a crawl that ended with a non-zero exit status (newscrawler/exitcodes.py).
"""

from newscrawler.api import CrawlError, crawl, extract
from newscrawler.items import Article

__all__ = ["Article", "CrawlError", "crawl", "extract"]
