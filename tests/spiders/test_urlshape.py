"""URL shapes: what the site spider expects a link to be before fetching it."""

from __future__ import annotations

import pytest

from spiders.urlshape import PageKind, page_kind


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/", PageKind.LISTING),
        ("/news/", PageKind.LISTING),
        ("/world", PageKind.LISTING),
        ("/news/page/2/", PageKind.LISTING),
        ("/cities/mumbai-news/page-2/", PageKind.LISTING),
        ("/search/?q=ferry", PageKind.LISTING),
        ("/latest?page=3", PageKind.LISTING),
        ("/tag/harbour/", PageKind.LISTING),
        ("/author/maria-lindqvist/", PageKind.LISTING),
        ("/about-us/", PageKind.LISTING),
        ("/video/harbour-at-dawn-timelapse.html", PageKind.LISTING),
        ("/2023/05/", PageKind.LISTING),
        ("/cities/mumbai-news/", PageKind.LISTING),
        ("/2023/05/02/council-budget-vote/", PageKind.ARTICLE),
        ("/news/22901/Poland_Signs_Deal_For_Twenty_Rocket_Artillery_Launchers", PageKind.ARTICLE),
        ("/business/rupee-slips-to-record-low-101531711404.html", PageKind.ARTICLE),
        ("/ferry-timetable-changes-for-summer", PageKind.ARTICLE),
        ("/world/baltic-shipping-talks", PageKind.UNKNOWN),
        ("/images/harbour.JPG", PageKind.SKIP),
        ("/feed.xml", PageKind.SKIP),
        ("/files/report.pdf", PageKind.SKIP),
        ("/feed/", PageKind.SKIP),
        ("/amp/business/rupee-slips-101531711404.html", PageKind.SKIP),
        ("/2023/05/02/council-budget-vote/amp/", PageKind.SKIP),
        ("/wp-admin/", PageKind.SKIP),
    ],
)
def test_page_kind(path: str, kind: PageKind) -> None:
    assert page_kind(f"https://harbour.example{path}") is kind
