"""Author names from bylines."""

from __future__ import annotations

import pytest

from crawler.extraction.authors import (
    clean_authors,
    has_byline_marker,
    is_organisation_byline,
    parse_byline,
)


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("By A. Smith, Bob Jones and Carl Doe", ("A. Smith", "Bob Jones", "Carl Doe")),
        ("Von Hans Müller und Eva Schmidt", ("Hans Müller", "Eva Schmidt")),
        ("Par Jean Dupont et Marie Curie", ("Jean Dupont", "Marie Curie")),
        ("John Smith & Jane Doe", ("John Smith", "Jane Doe")),
        ("Written by John Smith", ("John Smith",)),
        ("ByAlex Bozarjian", ("Alex Bozarjian",)),
        ("Veröffentlicht vonChris Jung", ("Chris Jung",)),
        ("Autor: Max Mustermann", ("Max Mustermann",)),
        ("Text & Fotos: Ivan Valetny", ("Ivan Valetny",)),
        ("AFP/The Local", ("AFP", "The Local")),
    ],
)
def test_split_and_strip_prefixes(byline: str, authors: tuple[str, ...]) -> None:
    assert parse_byline(byline)[1] == authors


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("By Jane Doe, Staff Writer", ("Jane Doe",)),
        ("Jane Doe, Senior Correspondent for CNN", ("Jane Doe",)),
        ("Adam Aaronson PhillyVoice Staff", ("Adam Aaronson",)),
        ("Grant Tinsley, PhD", ("Grant Tinsley",)),
        ("John Smith (john@example.com)", ("John Smith",)),
        ("Jane Doe @janedoe", ("Jane Doe",)),
        ("Sara Zinnecker Stand 12.01.2022", ("Sara Zinnecker",)),
    ],
)
def test_roles_emails_handles_and_glued_words_are_stripped(
    byline: str, authors: tuple[str, ...]
) -> None:
    assert parse_byline(byline)[1] == authors


@pytest.mark.parametrize(
    ("byline", "printed", "authors"),
    [
        ("Written by John Smith | July 17, 2018", "Written by John Smith", ("John Smith",)),
        ("By JOHN SMITH | 08:36 AM, July 17, 2018", "By JOHN SMITH", ("John Smith",)),
        ("Von Hans Müller, 17.07.2018, 12:30 Uhr", "Von Hans Müller", ("Hans Müller",)),
        ("Posted on July 17, 2018 by John Smith", "by John Smith", ("John Smith",)),
        ("By John Smith on July 17, 2018", "By John Smith", ("John Smith",)),
        ("Updated: July 17 | By John Smith", "By John Smith", ("John Smith",)),
        ("By Jane Doe\nJuly 17, 2018", "By Jane Doe", ("Jane Doe",)),
    ],
)
def test_dates_glued_to_bylines_are_cut_off(
    byline: str, printed: str, authors: tuple[str, ...]
) -> None:
    assert parse_byline(byline) == (printed, authors)


@pytest.mark.parametrize("byline", ["Our Bureau", "Staff Reporter", "PTI", "Reuters", "AP"])
def test_organisation_bylines_are_the_byline_and_the_single_author(byline: str) -> None:
    assert parse_byline(byline) == (byline, (byline,))
    assert is_organisation_byline(byline)


def test_a_role_alone_is_kept_only_when_no_person_is_named() -> None:
    assert clean_authors(["Staff Writer"]) == ("Staff Writer",)
    assert clean_authors(["Jane Doe", "Staff Writer"]) == ("Jane Doe",)


@pytest.mark.parametrize(
    "byline",
    [
        "admin",
        "Unknown",
        "Name",
        "Publiziert am",
        "https://example.com/author/jane",
        "www.example.com",
        "Art Edwards says",
        "By",
        "A" * 100,
        "One Two Three Four Five Six Seven Eight",
        "s",
        "4711",
    ],
)
def test_junk_is_rejected(byline: str) -> None:
    assert parse_byline(byline) == (None, ())


def test_names_are_deduplicated_case_insensitively_in_order() -> None:
    assert clean_authors(["Jane Doe", "Bob Roe", "jane doe", "JANE DOE "]) == (
        "Jane Doe",
        "Bob Roe",
    )


@pytest.mark.parametrize("name", ["Alexa von Heyden", "Christoph von Ritter", "Byron Smith"])
def test_particles_and_prefix_like_first_names_stay_in_the_name(name: str) -> None:
    assert parse_byline(name)[1] == (name,)


def test_a_byline_marker_after_a_date_is_found_but_not_inside_a_name() -> None:
    assert has_byline_marker("Veröffentlicht am 10. Februar 2019 von Heiko")
    assert not has_byline_marker("Alexa von Heyden")


def test_html_entities_left_in_a_byline_are_decoded() -> None:
    assert parse_byline("Redacci&oacute;n Diario Pagina Siete")[1] == (
        "Redacción Diario Pagina Siete",
    )
