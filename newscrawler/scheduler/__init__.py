"""Scheduled runs: a cron schedule per site, one process and one lock per run, run records.

The submodules are imported where they are used (`scheduler.commands`, `.cron`, `.locks`,
`.records`): the command line builds its parser from `scheduler.commands`, and every command,
`newscrawler extract` included, would otherwise load the crawl's pipelines through `records`.
"""
