"""Lua scripts for Splash's `execute` endpoint, for sites whose article needs more than a load.

`render.html` loads the page and waits a fixed time; that is enough for most pages. A site whose
text appears only once a selector exists, after scrolling (lazy loading) or after a click on a
"show more" button sets `Site.splash_script = interaction_script(...)`. Every script ends by
returning the DOM as `text/html`, so the spider parses it exactly like a fetched page.
"""

from __future__ import annotations

__all__ = ["interaction_script", "lua_string"]


def lua_string(value: str) -> str:
    """`value` as a double-quoted Lua string literal (selectors are site data, never trusted as
    code)."""
    out = []
    for char in value:
        if char in {"\\", '"'}:
            out.append("\\" + char)
        elif ord(char) < 32 or ord(char) == 127:
            out.append(f"\\{ord(char):03d}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def interaction_script(
    *,
    wait_for: str | None = None,
    scroll: int = 0,
    click: str | None = None,
    clicks: int = 1,
    settle: float = 0.3,
) -> str:
    """A Lua `main` for Splash `execute`: load the page, wait `args.wait` seconds, then scroll to
    the bottom `scroll` times, click the first element matching the CSS selector `click` up to
    `clicks` times (while it exists), and wait until the CSS selector `wait_for` matches, each
    step followed by `settle` seconds for the page's scripts to run.

    A `wait_for` that never matches ends with a Lua error before Splash's `timeout`, so the page
    is counted as a rendering failure rather than parsed half-built.
    """
    steps: list[str] = []
    if scroll:
        steps.append(
            f"""  for _ = 1, {int(scroll)} do
    splash:runjs("window.scrollTo(0, document.body.scrollHeight);")
    splash:wait({settle})
  end"""
        )
    if click:
        steps.append(
            f"""  for _ = 1, {int(clicks)} do
    local button = splash:select({lua_string(click)})
    if not button then break end
    button:mouse_click()
    splash:wait({settle})
  end"""
        )
    if wait_for:
        steps.append(
            f"""  local waited = 0
  while not splash:select({lua_string(wait_for)}) do
    if waited >= (args.timeout or 30) - 2 then
      error("selector " .. {lua_string(wait_for)} .. " did not appear")
    end
    splash:wait(0.1)
    waited = waited + 0.1
  end
  splash:wait({settle})"""
        )
    body = "\n".join(steps)
    return f"""function main(splash, args)
  splash.images_enabled = false
  assert(splash:go{{args.url, headers=args.headers}})
  splash:wait(args.wait or 0.5)
{body}
  splash:set_result_content_type("text/html; charset=utf-8")
  return splash:html()
end
"""
