"""Author rules beyond plain bylines: desks, agency credits, datelines, account names,
Yoast's twitter labels, sign-offs and the choice between layers."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
import pytest

from crawler.extraction.authors import (
    has_byline_marker,
    is_handle_of,
    is_organisation_byline,
    parse_byline,
)
from crawler.extraction.meta_tags import read_meta_tags
from crawler.extraction.metadata import extract_metadata
from crawler.extraction.options import ExtractionOptions
from crawler.extraction.signoff import signoff_authors

FETCHED = datetime(2024, 6, 9, 20, 0, tzinfo=UTC)
TEXT = "<p>" + "The council voted on Tuesday to close the northern pier for repairs. " * 4 + "</p>"


@pytest.mark.parametrize(
    ("byline", "author"),
    [
        ("By Staff and news service reports", "Staff and news service reports"),
        ("From staff and wire reports", "Staff and wire reports"),
        ("Guardian staff and agencies", "Guardian staff and agencies"),
        ("Wire reports", "Wire reports"),
    ],
)
def test_desk_bylines_are_one_organisation_author(byline: str, author: str) -> None:
    assert parse_byline(byline)[1] == (author,)
    assert is_organisation_byline(byline)


def test_people_beside_a_desk_are_not_a_desk_byline() -> None:
    assert not is_organisation_byline("Jane Doe and wire reports")
    assert not is_organisation_byline("Jane Doe, Bob Roe")


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("Von David Hutzler, dpa", ("David Hutzler",)),
        ("By Jane Doe and Bob Roe, Reuters", ("Jane Doe", "Bob Roe")),
        ("det/dpa", ("det", "dpa")),  # initials are no full name: both kept
        ("AFP/The Local", ("AFP", "The Local")),
        ("Reuters", ("Reuters",)),
    ],
)
def test_an_agency_after_full_names_is_their_employer(
    byline: str, authors: tuple[str, ...]
) -> None:
    assert parse_byline(byline)[1] == authors


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("Autorin: Uta Staschewski, Projektleiterin der HSS", ("Uta Staschewski",)),
        ("Jan Roe, Pressesprecher", ("Jan Roe",)),
        ("Eva Roe, Geschäftsführerin des Vereins", ("Eva Roe",)),
        ("Hans Leiter", ("Hans Leiter",)),  # a surname, not a compound role
        ("Eva Sprecher und Tom Roe", ("Eva Sprecher", "Tom Roe")),
    ],
)
def test_german_compound_roles_after_a_name_are_stripped(
    byline: str, authors: tuple[str, ...]
) -> None:
    assert parse_byline(byline)[1] == authors


def test_a_remark_in_brackets_after_a_name_is_dropped() -> None:
    assert parse_byline("Samuel Diekmann (Sponsored Post)")[1] == ("Samuel Diekmann",)
    assert parse_byline("Jane Doe (Text) und Bob Roe (Fotos)")[1] == ("Jane Doe", "Bob Roe")


def test_spanish_publication_labels_are_cut_from_a_name() -> None:
    assert parse_byline("Medellín Hora de publicación del artículo")[1] == ("Medellín",)
    assert parse_byline("Ana Gómez Publicado 12 de mayo")[1] == ("Ana Gómez",)


@pytest.mark.parametrize(
    ("line", "marked"),
    [
        ("11.12.2019 - Amelie Loevenich", True),
        ("04.02.2022 | 13:10 Uhr | Uta Helkenberg", True),
        ("Ein Artikel von Pamela Sladky | 27.01.2022 - 12:45", True),
        ("12.03.2020 | Politik", False),  # one word: a section, not a person
        ("12.03.2020 | Jane Doe | Bob Roe", False),  # two candidates: not a byline
        ("12.03.2020 | Lokales und Region", False),  # lower-case word: not a name
        ("Hofheim am Taunus | Wiesbaden, 11. November 2021", False),  # a place, not a person
        ("02.02.2022 | Jan van Dyk", True),  # a name particle
        ("Alexa von Heyden", False),
    ],
)
def test_a_dateline_that_names_one_person_is_a_byline(line: str, marked: bool) -> None:
    assert has_byline_marker(line) is marked


def test_a_capitalised_label_before_von_stays_in_the_printed_byline() -> None:
    assert parse_byline("Ein Artikel von Pamela Sladky | 27.01.2022 - 12:45") == (
        "Ein Artikel von Pamela Sladky",
        ("Pamela Sladky",),
    )


@pytest.mark.parametrize(
    ("handle", "name", "same"),
    [
        ("arianschlichenmayer", "Arian Schlichenmayer", True),
        ("gabor_munier", "Gàbor Muniér", True),
        ("christian.stadtfeld", "Christian P. Stadtfeld", True),
        ("jane.doe", "Jane Doe", True),
        ("stol.it", "Stol It", False),  # a host name
        ("Nils", "Nils Pickert", False),  # a first name, not an account
        ("jdoe", "Jane Doe", False),
        ("janedoe", "Jane Roe", False),
    ],
)
def test_account_names_match_the_printed_name(handle: str, name: str, same: bool) -> None:
    assert is_handle_of(handle, name) is same


def _tree(body: str, head: str = "") -> lxml.html.HtmlElement:
    return lxml.html.fromstring(f"<html><head>{head}</head><body>{body}</body></html>")


def test_yoast_twitter_label_written_by_gives_the_author() -> None:
    head = (
        '<meta name="twitter:label1" content="Verfasst von">'
        '<meta name="twitter:data1" content="Karoline Herr">'
        '<meta name="twitter:label2" content="Geschätzte Lesezeit">'
        '<meta name="twitter:data2" content="9 Minuten">'
    )
    assert read_meta_tags(_tree("<p>x</p>", head), "https://example.org/a").authors == (
        "Karoline Herr",
    )


def test_a_twitter_label_that_is_not_about_the_author_is_ignored() -> None:
    head = (
        '<meta name="twitter:label1" content="Est. reading time">'
        '<meta name="twitter:data1" content="4 minutes">'
    )
    assert read_meta_tags(_tree("<p>x</p>", head), "https://example.org/a").authors == ()


def test_an_author_meta_tag_wins_over_the_twitter_label() -> None:
    head = (
        '<meta name="author" content="Jane Doe">'
        '<meta name="twitter:label1" content="Written by">'
        '<meta name="twitter:data1" content="admin">'
    )
    assert read_meta_tags(_tree("<p>x</p>", head), "https://example.org/a").authors == ("Jane Doe",)


@pytest.mark.parametrize(
    ("signoff", "authors"),
    [
        ("<p><b><i>Stefan Wasmer</i></b></p>", ("Stefan Wasmer",)),
        ("<p><strong>Marina Mucha</strong></p>", ("Marina Mucha",)),
        ('<p><em>Von <span itemprop="name">Cosima Künzel</span></em></p>', ("Cosima Künzel",)),
        ("<p>Autoren Jelko Djuren und Jutta Klaukien</p>", ("Jelko Djuren", "Jutta Klaukien")),
        ("<p>Text: Eva Roe</p>", ("Eva Roe",)),
        ("<p>Von Montag an gilt die neue Regel.</p>", ()),
        ("<p>Paris Hilton kam nicht.</p>", ()),
        ("<p><strong>Weitere Informationen</strong></p><p>Rathaus, Zimmer 4</p>", ()),
        ("<p><strong>mehr zum thema</strong></p>", ()),
        ("<p>Stefan Wasmer</p>", ()),  # not set apart: could be any line
    ],
)
def test_a_last_emphasised_name_under_the_text_is_the_sign_off(
    signoff: str, authors: tuple[str, ...]
) -> None:
    tree = _tree(f"<article><h1>Pier closes</h1>{TEXT}{TEXT}{signoff}</article>")
    assert signoff_authors(tree) == authors


def test_a_bold_name_without_text_before_it_is_no_sign_off() -> None:
    tree = _tree(f"<div><p><b>Stefan Wasmer</b></p></div>{TEXT}")
    assert signoff_authors(tree) == ()


def test_a_sign_off_in_the_comments_is_not_the_authors() -> None:
    tree = _tree(f'<article>{TEXT}</article><div class="comments">{TEXT}<p><b>Jo Bloggs</b></p>')
    assert signoff_authors(tree) == ()


def _metadata(body: str, head: str = "", traf: dict[str, str] | None = None) -> tuple[str, ...]:
    tree = _tree(body, head)
    meta = extract_metadata(tree, "https://example.org/a", FETCHED, ExtractionOptions(), traf)
    return meta.authors


def test_an_account_name_in_json_ld_is_replaced_by_the_printed_name() -> None:
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Pier closes",'
        ' "author": {"@type": "Person", "name": "arianschlichenmayer"}}</script>'
    )
    body = (
        '<h1>Pier closes</h1><div class="post-header_author"><span>von</span>'
        ' <a href="/creator/arian-schlichenmayer/">Arian Schlichenmayer</a></div>' + TEXT
    )
    assert _metadata(body, head) == ("Arian Schlichenmayer",)


def test_the_publisher_beside_an_account_name_goes_once_the_name_is_printed() -> None:
    head = (
        '<meta property="og:site_name" content="Interscenario">'
        '<meta name="author" content="Interscenario, gabor_munier">'
    )
    body = '<h1>Pier closes</h1><p class="submitted">Author: <a>Gàbor Muniér</a></p>' + TEXT
    assert _metadata(body, head) == ("Gàbor Muniér",)


def test_entities_in_trafilaturas_author_are_decoded_before_splitting_at_semicolons() -> None:
    traf = {"author": "Redacci&oacute;n Diario Pagina Siete"}
    assert _metadata("<h1>Pier closes</h1>" + TEXT, traf=traf) == ("Redacción Diario Pagina Siete",)


def test_the_sign_off_is_the_last_resort() -> None:
    signoff = "<p><b><i>Stefan Wasmer</i></b></p>"
    signed = f"<article><h1>Pier closes</h1>{TEXT}{TEXT}{signoff}</article>"
    assert _metadata(signed) == ("Stefan Wasmer",)
    head = '<meta name="author" content="Jane Doe">'
    assert _metadata(signed, head) == ("Jane Doe",)


@pytest.mark.parametrize(
    "site_name", ["Lübecker Nachrichten", "LN - Lübecker Nachrichten", "LN | Lübecker Nachrichten"]
)
def test_the_publications_initials_are_no_author_beside_a_signed_name(site_name: str) -> None:
    head = f'<meta property="og:site_name" content="{site_name}"><meta name="author" content="LN">'
    signed = f"<article><h1>Pier closes</h1>{TEXT}{TEXT}<p><em>Von Cosima Künzel</em></p></article>"
    assert _metadata(signed, head) == ("Cosima Künzel",)
    assert _metadata(f"<article><h1>Pier closes</h1>{TEXT}</article>", head) == ("LN",)


def test_microdata_authors_of_cited_works_are_not_the_pages() -> None:
    citation = (
        '<li itemprop="citation" itemscope itemtype="http://schema.org/ScholarlyArticle">'
        '<meta itemprop="author" content="NH. Shear, SP. Spielberg, ">Shear NH (1986)</li>'
    )
    body = (
        '<article itemscope itemtype="http://schema.org/ScholarlyArticle"><h1>Title</h1>'
        '<meta itemprop="author" content="Marwan H. Adwan">'
        f"<p>Text.</p><ol>{citation * 3}</ol></article>"
    )
    assert read_meta_tags(_tree(body), "https://example.org/a").authors == ("Marwan H. Adwan",)
