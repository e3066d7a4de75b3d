"""justext's stop words in extraction: every language's list, lowered once, never rehashed."""

from __future__ import annotations

from collections.abc import Iterator

import lxml.html
import pytest
import trafilatura.external
from justext.core import define_stoplist

import crawler.extraction.body  # noqa: F401 - installs the stop list, as the workers do
from crawler.extraction.stoplist import AllStopwords, use_all_stopwords

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


class CountingStopwords(AllStopwords):
    """`AllStopwords` that counts how often its words are read."""

    def __init__(self) -> None:
        self.reads = 0

    def __iter__(self) -> Iterator[str]:
        self.reads += 1
        yield from super().__iter__()


def test_extraction_uses_the_union_of_every_justext_list(monkeypatch: pytest.MonkeyPatch) -> None:
    in_use = define_stoplist(trafilatura.external.JT_STOPLIST)
    assert isinstance(trafilatura.external.JT_STOPLIST, AllStopwords)
    monkeypatch.setattr(trafilatura.external, "JT_STOPLIST", None)
    trafilaturas_own = trafilatura.external.jt_stoplist_init()  # its 154,484-word tuple
    assert in_use == frozenset(word.lower() for word in trafilaturas_own)
    assert len(in_use) == len(trafilaturas_own) > 150_000


def test_repeated_classification_reuses_one_set(monkeypatch: pytest.MonkeyPatch) -> None:
    stoplist = CountingStopwords()
    monkeypatch.setattr(trafilatura.external, "JT_STOPLIST", stoplist)
    words = use_all_stopwords()
    assert trafilatura.external.JT_STOPLIST is stoplist
    before = define_stoplist.cache_info()
    kept = [
        trafilatura.external.try_justext(lxml.html.fromstring(PAGE), "https://example.com/", None)
        for _ in range(3)
    ]
    after = define_stoplist.cache_info()
    assert stoplist.reads == 1
    assert (after.misses, after.hits) == (before.misses, before.hits + 3)
    assert define_stoplist(stoplist) is words
    # the Finnish paragraph is classified as text by the Finnish words in the union
    assert [p.text for p in kept[0]] == [ENGLISH, FINNISH, ENGLISH]
    assert all([p.text for p in page] == [ENGLISH, FINNISH, ENGLISH] for page in kept)
