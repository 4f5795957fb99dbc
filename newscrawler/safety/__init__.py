"""Safety at the crawl's edges: start-up checks, credential redaction, the site boundary, polite
retries, robots.txt when it cannot be read, hostile pages and output paths.

- `config`: settings, output paths and required services checked before anything is fetched
  (`StartupCheck` extension; the `newscrawler` command runs the same checks first).
- `redact`: a logging filter and `redact()` that remove `scheme://user:pass@` and known secrets.
- `boundary`: `AllowedDomainsMiddleware`, no request outside the allowed domains, redirects of
  `dont_filter` start requests included, and none to a loopback, private or link-local address
  that is not the site's own.
- `retry`: `RetryAfterMiddleware`, Retry-After honoured per site within a cap.
- `robots`: `StrictRobotsTxtMiddleware`, an unreachable robots.txt means complete disallow.
- `failures`: `describe_failure()`, a failed request as a reject reason.
- `pages`: binary bodies served as HTML.
- `paths`: file names from site ids, URLs or settings kept inside their folder.
"""
