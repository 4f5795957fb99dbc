"""Output paths built from site ids, URLs or settings that cannot leave their output folder.

A file name made from untrusted text (a spider name in `%(name)s`, a URL saved to disk) must
stay one plain component inside the folder the configuration chose: no `..`, no separators, no
absolute path, no NUL, no name a file system refuses.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

__all__ = [
    "UnsafePathError",
    "expand_output_path",
    "path_within",
    "safe_component",
    "url_file_name",
    "writable_file_problem",
]

NAME_PLACEHOLDER = "%(name)s"
TIME_PLACEHOLDER = "%(time)s"
MAX_COMPONENT_CHARS = 120
_SAFE_COMPONENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SLUG_RE = re.compile(r"[^A-Za-z0-9]+")
# Device names Windows refuses as file names whatever the extension.
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)


class UnsafePathError(ValueError):
    """A path built from untrusted text would leave its folder or is not a usable name."""


def safe_component(value: str) -> str:
    """`value` if it is one plain file name component; UnsafePathError otherwise."""
    if (
        not _SAFE_COMPONENT_RE.match(value)
        or len(value) > MAX_COMPONENT_CHARS
        or value.split(".")[0].lower() in _RESERVED
    ):
        raise UnsafePathError(
            f"{value!r} cannot be a file name: use letters, digits, '.', '_' and '-' only, "
            f"starting with a letter or digit, at most {MAX_COMPONENT_CHARS} characters"
        )
    return value


def path_within(folder: str | Path, *parts: str) -> Path:
    """`folder` joined with `parts`, refused unless the result (symlinks resolved) stays
    inside `folder`."""
    base = Path(folder).resolve()
    target = base.joinpath(*parts).resolve()
    if not target.is_relative_to(base):
        raise UnsafePathError(f"{os.path.join(*parts)!r} leaves the folder {str(base)!r}")
    return target


def expand_output_path(template: str, name: str, time: str) -> Path:
    """The output file of one crawl: `%(name)s` and `%(time)s` of `template` replaced, each
    value required to be one safe component, the result inside the template's own folder."""
    if NAME_PLACEHOLDER not in template and TIME_PLACEHOLDER not in template:
        return Path(template)
    for value in (name, time):
        safe_component(value)
    expanded = template.replace(NAME_PLACEHOLDER, name).replace(TIME_PLACEHOLDER, time)
    # The folder the template fixes before its first placeholder is the output folder.
    marks = (template.find(NAME_PLACEHOLDER), template.find(TIME_PLACEHOLDER))
    first = min(i for i in marks if i >= 0)
    folder = Path(os.path.dirname(template[:first]) or ".")
    path = Path(expanded)
    resolved = path.resolve()
    if not resolved.is_relative_to(folder.resolve()):
        raise UnsafePathError(f"{template!r} expands to {expanded!r}, outside {str(folder)!r}")
    return path


def url_file_name(url: str, suffix: str = "") -> str:
    """A file name for a URL's saved body: a readable slug of its host and path plus a hash of
    the whole URL (unique, whatever the URL holds), e.g. `example.com-news-a1-3f2a9c0d1b7e.html`."""
    parts = urlsplit(url)
    slug = _SLUG_RE.sub("-", f"{parts.hostname or ''} {parts.path}").strip("-")[:60].strip("-")
    digest = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    suffix = "." + _SLUG_RE.sub("", suffix) if suffix.strip(".") else ""
    return safe_component(f"{slug or 'url'}-{digest}{suffix}")


def writable_file_problem(path: str | Path, setting: str) -> str | None:
    """Why a file named by `setting` cannot be written (created with its folders), or None."""
    target = Path(path)
    if target.is_dir():
        return f"{setting}={str(path)!r} is a folder; name a file inside it"
    ancestor = target.parent
    while not ancestor.exists():
        if ancestor == ancestor.parent:
            break
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return f"{setting}={str(path)!r}: {str(ancestor)!r} is a file, not a folder"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"{setting}={str(path)!r}: no permission to write in {str(ancestor)!r}"
    if target.exists() and not os.access(target, os.W_OK):
        return f"{setting}={str(path)!r}: the file is not writable"
    return None
