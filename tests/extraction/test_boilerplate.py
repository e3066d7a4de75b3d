"""Body rules: what must not reach the body goes, a sentence that mentions it stays."""

from __future__ import annotations

import pytest

from crawler.extraction.body import Block, clean_text, join_blocks
from crawler.extraction.boilerplate import (
    PageHints,
    is_boilerplate_line,
    is_byline_line,
    is_date_line,
    strip_boilerplate,
)

HEADLINE = "Storm knocks out power to 200,000 across three states"
PARAGRAPHS = [
    "More than 200,000 homes and businesses were without power on Sunday afternoon after a "
    "fast-moving line of thunderstorms crossed the region overnight.",
    "Utility crews from as far away as Tennessee were called in to help restore service, "
    "and officials warned that some customers might wait until Wednesday.",
    "Forecasters said another round of storms was possible on Tuesday, though it was not "
    "expected to be as severe as the first.",
]


def p(text: str, kind: str = "p", link_share: float = 0.0) -> Block:
    return Block(text, kind, link_share)  # type: ignore[arg-type]


def body(
    blocks: list[Block], byline_lines: tuple[str, ...] = (), summaries: tuple[str, ...] = ()
) -> list[str]:
    hints = PageHints((HEADLINE,), byline_lines, summaries)
    return [b.text for b in strip_boilerplate(blocks, hints)]


@pytest.mark.parametrize(
    "repeat",
    [HEADLINE, HEADLINE.upper(), "Storm knocks out power to 200,000 across three states!"],
)
def test_headline_repeated_at_the_top_goes_once_or_twice(repeat: str) -> None:
    blocks = [p(repeat, "head"), p(repeat), *map(p, PARAGRAPHS)]
    assert body(blocks) == PARAGRAPHS


def test_short_headings_above_the_body_go_but_a_standfirst_stays() -> None:
    kicker = p("Severe weather", "head")
    standfirst = p("Crews from three states were called in after winds of up to 75 mph "
                   "toppled trees and power lines overnight.", "head")  # fmt: skip
    assert body([kicker, standfirst, *map(p, PARAGRAPHS)]) == [standfirst.text, *PARAGRAPHS]


def test_a_standfirst_that_repeats_the_description_goes() -> None:
    standfirst = p("Crews from three states were called in after winds of up to 75 mph "
                   "toppled trees and power lines overnight.", "head")  # fmt: skip
    blocks = [standfirst, *map(p, PARAGRAPHS)]
    assert body(blocks, summaries=(standfirst.text,)) == PARAGRAPHS


def test_headline_words_inside_a_paragraph_stay() -> None:
    first = f"{HEADLINE}, officials said on Sunday, and repairs may take days to finish."
    assert body([p(first), *map(p, PARAGRAPHS)]) == [first, *PARAGRAPHS]


def test_byline_and_date_lines_at_the_top_go() -> None:
    blocks = [p("Our Bureau"), p("08:36 AM, July 17, 2018"), p("By Jane Smith and Li Wei"),
              *map(p, PARAGRAPHS)]  # fmt: skip
    assert body(blocks) == PARAGRAPHS


def test_byline_lines_found_by_the_metadata_layer_go() -> None:
    blocks = [p("Reported from the coast by Ana Ruiz | Staff"), *map(p, PARAGRAPHS)]
    assert body(blocks, ("Reported from the coast by Ana Ruiz | Staff",)) == PARAGRAPHS


@pytest.mark.parametrize(
    "line",
    [
        "ALSO READ | Heavy rain lashes Mumbai, local trains hit",
        "Also Read: IMD forecasts normal monsoon for fourth year",
        "READ MORE: China plague outbreak confirmed",
        "Related: SpaceX's Starship and Super Heavy Mars Rocket in Pictures",
        "Lire aussi : Grève à la SNCF : le bilan d’un printemps agité",
        "Mehr zum Thema: Niedrigwasser: Erste Fähren stellen Betrieb ein",
        "Share this article",
        "Sign up for our daily newsletter to get the top stories delivered to your inbox.",
        "Photo: Reuters",
        "(Photo: AP)",
        "Leave a comment",
        "14 Comments",
    ],
)
def test_boilerplate_lines_between_paragraphs_go(line: str) -> None:
    blocks = [p(PARAGRAPHS[0]), p(line), p(PARAGRAPHS[1]), p(PARAGRAPHS[2])]
    assert body(blocks) == PARAGRAPHS


@pytest.mark.parametrize(
    "sentence",
    [
        "Residents can read more about the outage map on the utility's website, which is "
        "updated every fifteen minutes.",
        "She said related projects, including a new substation, were also recommended by the "
        "state regulator last year.",
        "You may also like to know that the photo of the storm was taken by a reader.",
        "The council asked people to share photos of damaged trees and to comment on the plan.",
    ],
)
def test_a_paragraph_that_mentions_boilerplate_words_stays(sentence: str) -> None:
    blocks = [p(PARAGRAPHS[0]), p(sentence), p(PARAGRAPHS[1]), p(PARAGRAPHS[2])]
    assert body(blocks) == [PARAGRAPHS[0], sentence, *PARAGRAPHS[1:]]
    assert not is_boilerplate_line(sentence)


def test_trailing_related_block_is_cut() -> None:
    tail = [p("You may also like", "head"),
            p("Kindle vs Kobo: which ecosystem should you pick?", link_share=1.0),
            p("The best clip-on reading lights", link_share=1.0)]  # fmt: skip
    assert body([*map(p, PARAGRAPHS), *tail]) == PARAGRAPHS


def test_lone_teaser_link_between_paragraphs_goes_but_link_lists_stay() -> None:
    teaser = p("SEAN SPICER ELIMINATED FROM 'DANCING WITH THE STARS'", link_share=1.0)
    products = [p("Logitech MX Master 3 Mouse", link_share=1.0),
                p("Brydge Pro Keyboard for iPad Pro", link_share=1.0)]  # fmt: skip
    blocks = [p(PARAGRAPHS[0]), teaser, p(PARAGRAPHS[1]), *products, p(PARAGRAPHS[2])]
    assert body(blocks) == [PARAGRAPHS[0], PARAGRAPHS[1], *(b.text for b in products),
                            PARAGRAPHS[2]]  # fmt: skip


@pytest.mark.parametrize(
    "line",
    [
        "(Reporting by Sarah Young in London; Editing by Kylie MacLellan)",
        "Staff writer Rachel Kim contributed to this report.",
        "Write to Al Root at allen.root@dowjones.com",
        "Copyright 2019 Hawaii News Now. All rights reserved.",
        "(With inputs from PTI)",
        "Follow us on Twitter and Facebook for the latest news.",
    ],
)
def test_credits_and_contacts_after_the_article_go(line: str) -> None:
    assert body([*map(p, PARAGRAPHS), p(line)]) == PARAGRAPHS


def test_a_site_tagline_shown_above_the_headline_goes() -> None:
    tagline = "Defence and aerospace news"
    hints = PageHints((HEADLINE,), above_headline=("Home News Features", tagline))
    kept = strip_boilerplate([p(tagline), *map(p, PARAGRAPHS)], hints)
    assert [b.text for b in kept] == PARAGRAPHS


def test_a_paragraph_shown_above_the_headline_stays_when_it_is_a_sentence() -> None:
    hints = PageHints((HEADLINE,), above_headline=(PARAGRAPHS[0],))
    assert [b.text for b in strip_boilerplate(list(map(p, PARAGRAPHS)), hints)] == PARAGRAPHS


def test_a_paywall_prompt_after_the_teaser_goes() -> None:
    prompt = [p("Premium"),
              p("This article is for subscribers. Subscribe to The Herald to continue reading."),
              p("Already a subscriber? Sign in", link_share=1.0)]  # fmt: skip
    assert body([*map(p, PARAGRAPHS), *prompt]) == PARAGRAPHS


def test_a_sentence_about_subscribers_stays() -> None:
    sentence = "The utility said premium subscribers of its alert service were told first."
    assert body([*map(p, PARAGRAPHS), p(sentence)]) == [*PARAGRAPHS, sentence]


def test_share_suffix_glued_to_a_quote_is_removed() -> None:
    quote = "Every online business exists in the space-time continuum.Click To Tweet"
    kept = body([p(PARAGRAPHS[0]), p(quote), *map(p, PARAGRAPHS[1:])])
    assert kept[1] == "Every online business exists in the space-time continuum."


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("08:36 AM, July 17, 2018", True),
        ("Dienstag, 17. Juli 2018, 08:36 Uhr", True),
        ("Publié le 17 juillet 2018 à 08h36", True),
        ("UPDATED: Tue., Nov. 19, 2019", True),
        ("10 p.m.", False),
        ("The 2018 season was the wettest on record.", False),
    ],
)
def test_date_lines(line: str, expected: bool) -> None:
    assert is_date_line(line) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("By Jane Smith, Omar Haddad and Li Wei", True),
        ("Our Bureau", True),
        ("PTI", True),
        ("By the time the storm passed, thousands had lost power.", False),
    ],
)
def test_byline_lines(line: str, expected: bool) -> None:
    assert is_byline_line(line) is expected


def test_clean_text_normalizes_unicode_and_whitespace() -> None:
    assert clean_text("  Cafe\u0301\u200b  au \u00a0lait\u2060 \t ") == "Caf\u00e9 au lait"
    assert clean_text("\u00a0with\u00a0Turkey\u00a0and\tdrive\u00a0") == "with Turkey and drive"


def test_body_paragraphs_are_separated_by_one_blank_line() -> None:
    assert join_blocks([p("One."), p("Two.")]) == "One.\n\nTwo."
