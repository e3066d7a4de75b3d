"""justext's stop words in extraction: every language's list, as one compact hash table."""

from __future__ import annotations

import tracemalloc

import justext.core
import lxml.html
import pytest
import trafilatura.external
import trafilatura.meta

import crawler.extraction.body  # noqa: F401 - installs the stop list, as the workers do
from crawler.extraction.stoplist import StopwordTable, all_stopwords, use_all_stopwords

FINNISH = (
    "Hän sanoi, että se oli hänen mielestään aivan liian kallis, mutta me emme voineet "
    "tehdä asialle enää mitään, koska kaikki päätökset oli jo tehty ennen kuin kukaan "
    "meistä ehti kysyä siitä mitään."
)
ENGLISH = (
    "The council said that it would not be able to reopen the bridge before the end of "
    "the month, because the repairs had taken longer than anyone in the city had expected."
)
PAGE = (
    "<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
    f"<div><p>{ENGLISH}</p><p>{FINNISH}</p><p>{ENGLISH}</p></div>"
    "<footer>© 2024 Example</footer></body></html>"
)


def test_the_table_answers_as_the_union_of_every_justext_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    in_use = trafilatura.external.JT_STOPLIST
    assert isinstance(in_use, StopwordTable)
    monkeypatch.setattr(trafilatura.external, "JT_STOPLIST", None)
    union = frozenset(word.lower() for word in trafilatura.external.jt_stoplist_init())
    assert len(in_use) == len(union) > 150_000
    assert all(word in in_use for word in union)
    outside = ("bridge", "repairs", "reopen", "zqxvw", "", "The")  # justext lowers first
    assert not any(word in union for word in outside)
    assert not any(word in in_use for word in outside)


def test_the_table_is_a_fraction_of_justexts_set() -> None:
    tracemalloc.start()
    try:
        table = all_stopwords()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(table) > 150_000
    assert held < 2 * 2**20  # justext's frozenset of the same words: 15.5 MB


def test_justext_classifies_with_the_table_without_building_a_set() -> None:
    table = use_all_stopwords()
    assert use_all_stopwords() is table  # built once per process
    assert justext.core.define_stoplist(table) is table
    cached = justext.core.define_stoplist  # its cache: justext's own, of frozensets
    misses = cached.cache_info().misses  # type: ignore[attr-defined]
    kept = [
        trafilatura.external.try_justext(lxml.html.fromstring(PAGE), "https://example.com/", None)
        for _ in range(3)
    ]
    # the Finnish paragraph is classified as text by the Finnish words in the union
    assert all([p.text for p in page] == [ENGLISH, FINNISH, ENGLISH] for page in kept)
    assert cached.cache_info().misses == misses  # type: ignore[attr-defined]
    trafilatura.meta.reset_caches()  # clears justext's cache through the function it imported
