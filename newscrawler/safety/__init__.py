"""Safety at the crawl's edges: setting and service checks, credential redaction, the site
boundary, polite retries, robots.txt when it cannot be read, hostile pages and output paths.

- `config`: single settings' values, service URLs and whether the services answer, credentials
  in the settings; put together with the crawl's components by `newscrawler/startup.py`
  (`StartupCheck` extension; the `newscrawler` command runs the same checks first).
- `redact`: a logging filter and `redact()` that remove `scheme://user:pass@` and known secrets.
- `boundary`: `AllowedDomainsMiddleware`, no request outside the allowed domains, redirects of
  `dont_filter` start requests included, and none to a loopback, private or link-local address
  that is not the site's own.
- `hosts`: the boundary's host and URL rules without Scrapy (a site's domains, its start URLs).
- `retry`: `RetryAfterMiddleware`, Retry-After honoured per site within a cap.
- `robots`: `StrictRobotsTxtMiddleware`, an unreachable robots.txt means complete disallow.
- `failures`: `describe_failure()`, a failed request as a reject reason.
- `pages`: binary bodies served as HTML.
- `paths`: file names from site ids, URLs or settings kept inside their folder.
"""
