"""Date parsing for every layer: turn the date text a page or feed states into ISO 8601, no more.

The rule of the schema: keep the page's own UTC offset when it states a time, write a bare date
when it states only the day, and never invent a time or an offset the source does not give.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_tz

from lxml.html import HtmlElement, tostring

__all__ = [
    "PageStamps",
    "find_page_date",
    "in_local_offset",
    "in_page_offset",
    "is_plausible",
    "parse_datetime",
    "wall_clock",
]

# The earliest date a news page can plausibly carry; anything before is a parsing accident
# (a phone number, a copyright line, a Unix epoch default).
EARLIEST_YEAR = 1990

_ISO_RE = re.compile(
    r"""^\s*
    (?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})
    (?:[T\s]+
        (?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?
        \s*(?P<tz>Z|z|UTC|GMT|[+-]\d{2}:?\d{2}|[+-]\d{2})?
    )?\s*$""",
    re.VERBOSE,
)
_COMPACT_RE = re.compile(r"^\s*(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})\s*$")
# Japanese dates: 2017年3月15日 10時04分 / 2017年3月15日 10:04
_JA_RE = re.compile(
    r"(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"
    r"(?:[^\d]{0,12}?(?P<hour>\d{1,2})\s*(?:時|:)\s*(?P<minute>\d{1,2})\s*分?)?"
)
_SLASH_RE = re.compile(
    r"^\s*(?P<year>\d{4})[/.](?P<month>\d{1,2})[/.](?P<day>\d{1,2})"
    r"(?:\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?\s*$"
)
_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for m in names
}
# "March 15, 2017", "Mar. 15, 2017 10:04 am", "15 March 2017"
_WORDY_RE = re.compile(
    r"^\s*(?:[A-Za-z]+,?\s+)??"
    r"(?:(?P<mname>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})"
    r"|(?P<day2>\d{1,2})(?:st|nd|rd|th)?\s+(?P<mname2>[A-Za-z]{3,9})\.?,?\s+(?P<year2>\d{4}))"
    r"(?:,?\s+(?:at\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?\s*(?P<tz>Z|UTC|GMT|JST|[+-]\d{2}:?\d{2})?)?\s*$",
    re.IGNORECASE,
)
# Zone names we accept; an unknown abbreviation is dropped rather than guessed.
_ZONE_NAMES = {"UTC": 0, "UT": 0, "GMT": 0, "Z": 0, "JST": 9 * 60, "KST": 9 * 60}


def _offset_minutes(tz: str | None) -> int | None:
    if not tz:
        return None
    tz = tz.strip()
    if tz.upper() in _ZONE_NAMES:
        return _ZONE_NAMES[tz.upper()]
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})?", tz)
    if not m:
        return None
    minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
    return -minutes if m.group(1) == "-" else minutes


def _format(
    year: int,
    month: int,
    day: int,
    hour: int | None = None,
    minute: int | None = None,
    second: int | None = None,
    offset: int | None = None,
    now: datetime | None = None,
) -> str | None:
    try:
        day_value = date(year, month, day)
    except ValueError:
        return None
    if hour is None or minute is None:
        return day_value.isoformat() if is_plausible(day_value, now) else None
    try:
        naive = datetime(year, month, day, hour, minute, second or 0)
    except ValueError:
        return None
    if offset is None:
        # A time without a zone: the page states a wall-clock time but no offset. Writing a
        # guessed offset would invent data, so the schema keeps the day only.
        return day_value.isoformat() if is_plausible(day_value, now) else None
    if abs(offset) > 14 * 60:
        return None
    aware = naive.replace(tzinfo=timezone(timedelta(minutes=offset)))
    if not is_plausible(aware, now):
        return None
    return aware.isoformat(timespec="seconds")


def is_plausible(value: date | datetime, now: datetime | None = None) -> bool:
    """A publication date between 1990 and one day after `now` (clock skew across zones)."""
    now = now or datetime.now(UTC)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.year >= EARLIEST_YEAR and value <= now + timedelta(days=1)
    return value.year >= EARLIEST_YEAR and value <= (now + timedelta(days=1)).date()


def parse_datetime(text: str | None, now: datetime | None = None) -> str | None:
    """Parse a stated date or date-time into the schema's ISO 8601 form, or None.

    - `2017-03-15T10:04:00+09:00`, `2017-03-15 10:04 +0900`, RFC 822 feed dates -> ISO with
      the stated offset (`Z` and `GMT` become `+00:00`);
    - `2017-03-15`, `20170315`, `2017年3月15日`, `March 15, 2017` -> `2017-03-15`;
    - a time without any zone -> the bare date (no invented offset);
    - unparseable or implausible (before 1990, in the future) -> None.
    `now` is for tests; it defaults to the current UTC time.
    """
    if not text:
        return None
    text = text.strip()
    if not text or len(text) > 80:
        return None
    m = _ISO_RE.match(text)
    if m:
        return _format(
            int(m["year"]),
            int(m["month"]),
            int(m["day"]),
            int(m["hour"]) if m["hour"] else None,
            int(m["minute"]) if m["minute"] else None,
            int(m["second"]) if m["second"] else None,
            _offset_minutes(m["tz"]),
            now,
        )
    m = _COMPACT_RE.match(text)
    if m:
        return _format(int(m["year"]), int(m["month"]), int(m["day"]), now=now)
    m = _SLASH_RE.match(text)
    if m:
        return _format(
            int(m["year"]),
            int(m["month"]),
            int(m["day"]),
            int(m["hour"]) if m["hour"] else None,
            int(m["minute"]) if m["minute"] else None,
            int(m["second"]) if m["second"] else None,
            None,
            now,
        )
    m = _JA_RE.search(text)
    if m:
        # Japanese pages state times in JST without writing the zone; still, the page does not
        # say it, so only the day is kept unless a zone is written next to it.
        offset = 9 * 60 if re.search(r"JST|日本時間", text) else None
        return _format(
            int(m["year"]),
            int(m["month"]),
            int(m["day"]),
            int(m["hour"]) if m["hour"] else None,
            int(m["minute"]) if m["minute"] else None,
            None,
            offset,
            now,
        )
    if re.search(r"\d{1,2}:\d{2}", text) and re.search(r"[+-]\d{4}|[A-Z]{2,4}$", text):
        parsed = parsedate_tz(text)
        if parsed is not None:
            year, month, day, hour, minute, second = parsed[:6]
            tz_seconds = parsed[9]
            # parsedate_tz gives 0 for "-0000" and for unknown names alike; accept only zones
            # that are written as numbers or as names we know.
            offset = None if tz_seconds is None else tz_seconds // 60
            if tz_seconds == 0 and not re.search(r"\+0000|GMT|UTC|\bZ\b|\bUT\b", text):
                offset = None
            if offset is None:
                zone = re.search(r"\b([A-Z]{2,4})$", text)
                offset = _offset_minutes(zone.group(1)) if zone else None
            return _format(year, month, day, hour, minute, second, offset, now)
    m = _WORDY_RE.match(text)
    if m:
        mname = (m["mname"] or m["mname2"] or "").lower().rstrip(".")
        named_month = _MONTHS.get(mname)
        if named_month is None:
            return None
        named_hour = int(m["hour"]) if m["hour"] else None
        if named_hour is not None and m["ampm"]:
            pm = m["ampm"].lower().startswith("p")
            named_hour = (named_hour % 12) + (12 if pm else 0)
        return _format(
            int(m["year"] or m["year2"]),
            named_month,
            int(m["day"] or m["day2"]),
            named_hour,
            int(m["minute"]) if m["minute"] else None,
            int(m["second"]) if m["second"] else None,
            _offset_minutes(m["tz"]),
            now,
        )
    return None


def wall_clock(text: str | None) -> datetime | None:
    """A date-time written without a zone, to the second (`2023-11-08 23:30:59`): the page's
    local wall-clock time. None for anything else."""
    m = _ISO_RE.match(text or "")
    if not m or m["tz"] or not m["second"]:
        return None
    try:
        return datetime(
            int(m["year"]),
            int(m["month"]),
            int(m["day"]),
            int(m["hour"]),
            int(m["minute"]),
            int(m["second"]),
        )
    except ValueError:
        return None


# Offsets in use on Earth: -12:00 to +14:00, in quarter hours.
_MIN_OFFSET, _MAX_OFFSET = timedelta(hours=-12), timedelta(hours=14)


def in_page_offset(instant: datetime, local: datetime) -> str | None:
    """`instant` (aware) written in the offset that makes it read `local` (the page's wall
    clock), when the two differ by a real offset: the same moment, in the page's own zone.
    A round time (a whole quarter hour, no seconds) could match an unrelated time by chance
    and is not used."""
    if instant.second == 0 and instant.minute % 15 == 0:
        return None
    offset = local - instant.astimezone(UTC).replace(tzinfo=None)
    if not offset or not _MIN_OFFSET <= offset <= _MAX_OFFSET:
        return None
    if offset % timedelta(minutes=15):
        return None
    return instant.astimezone(timezone(offset)).isoformat()


def find_page_date(html: str | HtmlElement, url: str | None = None) -> str | None:
    """The publication day found in a page's text, markup or (last) URL by htmldate, the
    measured leader for dates (0.90 on a 1,000-page labelled set); a bare ISO date or None.
    A parsed tree is read from a copy, half the cost of htmldate parsing the text again."""
    if isinstance(html, str) and not html:
        return None
    import htmldate

    try:
        found = htmldate.find_date(
            html,
            extensive_search=True,
            original_date=True,
            url=url,
            deferred_url_extractor=True,
        )
    except Exception:  # third-party parser on hostile input: no date rather than no article
        return None
    if found and found.endswith("-01-01") and not _states_new_year(html, found[:4]):
        # htmldate's guess from a year alone (a copyright line, "Best of 2026"): no day.
        return None
    return parse_datetime(found) if found else None


def _states_new_year(html: str | HtmlElement, year: str) -> bool:
    """Whether the page writes 1 January of `year` as a day: ISO, day-first or month-first."""
    text = html if isinstance(html, str) else tostring(html, encoding="unicode")
    return bool(re.search(_NEW_YEAR_PATTERN.format(year=year), text, re.I))


_NEW_YEAR_PATTERN = (
    r"{year}-01-01|{year}/01/01|\b0?1[./]0?1[./]{year}|\bJan(?:uary|\.)? 0?1(?:st)?,? {year}"
    r"|\b0?1(?:st)? Jan(?:uary|\.)?,? {year}|{year}年0?1月0?1日"
)


# A date-time with seconds, as pages write them in code: 2020-02-24T21:25:54-05:00.
_STAMP_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
_MAX_STAMPS = 50


class PageStamps:
    """ISO timestamps of a day anywhere in a page's text (scripts included), found with
    str.find, cheaper than a regex over the page; remembered, as published_at and modified_at
    usually ask for the same days."""

    def __init__(self, html: str) -> None:
        self._html = html
        self._by_day: dict[str, list[str]] = {}

    def on(self, day: str) -> list[str]:
        found = self._by_day.get(day)
        if found is None:
            found = self._by_day[day] = []
            start = 0
            while len(found) < _MAX_STAMPS and (at := self._html.find(day, start)) != -1:
                start = at + len(day)
                if m := _STAMP_RE.match(self._html, at):
                    found.append(m.group())
        return found


def in_local_offset(value: str | None, declared: Iterable[str], stamps: PageStamps) -> str | None:
    """The same instant in the page's own offset: SEO plugins write UTC in JSON-LD and meta
    while the page shows local time, and the schema wants the page's offset. Found as the
    same instant with another offset (in `declared`: the page's <time> and meta times, or any
    ISO timestamp in the page's code), or as a zone-less wall-clock time the instant plus a
    real offset reads. `declared` is read lazily, and the page's code only when it has not
    answered (a search of a 2.6 MB page is 1 ms a day searched)."""
    if not value or not value.endswith("+00:00"):
        return value
    instant = datetime.fromisoformat(value)

    def candidates() -> Iterator[str]:
        yield from declared
        for days in (-1, 0, 1):
            yield from stamps.on((instant + timedelta(days=days)).date().isoformat())

    for candidate in candidates():
        parsed = parse_datetime(str(candidate))
        if (
            parsed
            and len(parsed) > 10
            and not parsed.endswith("+00:00")
            and datetime.fromisoformat(parsed) == instant
        ):
            return parsed
        local = wall_clock(str(candidate))
        if local is not None and (shifted := in_page_offset(instant, local)):
            return shifted
    return value
