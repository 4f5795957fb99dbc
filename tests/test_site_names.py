"""A site declares its names once, in `Site` (`name`, `other_names`), and extraction reads them:
for every registered site, Python module or site file, each name is cut from a headline."""

from __future__ import annotations

import pytest

from newscrawler.extraction.page import ArticlePage
from newscrawler.sites import Site, load_sites

HEADLINE = "Quake hits Miyazaki coast"
# A page that states its title only in <title>: no og:site_name, no JSON-LD publisher, and a
# host (example.org) whose label names no site, so the site's own names are all there is.
URL = "https://example.org/news/1"
PAGE = """<html lang="en"><head><title>{title}</title></head><body><article>
<p>Residents along the Miyazaki coast felt strong shaking on Tuesday evening, the
meteorological agency said, and no tsunami warning was issued after the quake.</p>
<p>Railway services were suspended for an hour while tracks were inspected.</p>
</article></body></html>"""
SITE_NAMES = [(site.id, name) for site in load_sites().values() for name in site.names]


@pytest.mark.parametrize(("site_id", "name"), SITE_NAMES, ids=[f"{s}-{n}" for s, n in SITE_NAMES])
def test_each_name_of_each_site_is_cut_from_a_headline(site_id: str, name: str) -> None:
    site = load_sites()[site_id]
    article = site.page_class(URL, PAGE.format(title=f"{HEADLINE} | {name}")).extract()
    assert article.title == HEADLINE


def test_the_asahi_suffix_of_the_issue_is_cut() -> None:
    html = PAGE.format(title=f"{HEADLINE} | The Asahi Shimbun")
    assert load_sites()["asahi"].page_class(URL, html).extract().title == HEADLINE


@pytest.mark.parametrize("site", load_sites().values(), ids=lambda site: site.id)
def test_the_page_class_carries_exactly_the_sites_names(site: Site) -> None:
    """No second list to keep in step: the names the title, author and wire rules read are
    the site's."""
    assert (site.name, *site.other_names) == site.page_class.SITE_NAMES


def test_a_site_built_by_hand_gets_its_names_into_its_page_class() -> None:
    class Page(ArticlePage):
        """Rules of a site written in a test."""

    site = Site(
        id="handmade",
        name="Handmade Times",
        other_names=("HT",),
        domains=("example.org",),
        discovery=("https://example.org/robots.txt",),
        page_class=Page,
    )
    assert issubclass(site.page_class, Page)
    assert site.page_class.__name__ == "Page"
    html = PAGE.format(title=f"{HEADLINE} | HT")
    assert site.page_class(URL, html).extract().title == HEADLINE
    # Rebuilding the Site (dataclasses.replace, a copy) does not stack subclasses.
    again = Site(**{**site.__dict__})
    assert again.page_class is site.page_class
