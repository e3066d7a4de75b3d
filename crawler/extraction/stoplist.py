"""The stop words justext uses for pages of any language: every list, lowered once per process.

trafilatura calls justext without a language, with the union of all 100 justext lists as a
154,484-word tuple, and justext looks that tuple up in an ``lru_cache`` on every call: a
hash of all its words each time (about 6 ms), the tuple and its lowered copy held for good.
`AllStopwords` stands in for the tuple: the same words, hashed by identity, holding none of
them itself, so the set justext caches for it is the only copy.
"""

from __future__ import annotations

from collections.abc import Iterator

import trafilatura.external
from justext.core import define_stoplist
from justext.utils import get_stoplist, get_stoplists


class AllStopwords:
    """Every justext stop-word list, read from justext's files when justext lowers them."""

    __slots__ = ()

    def __iter__(self) -> Iterator[str]:
        for language in sorted(get_stoplists()):
            yield from get_stoplist(language)


def use_all_stopwords() -> frozenset[str]:
    """Make `AllStopwords` trafilatura's stop list and build justext's set for it now.

    Built at import of the extraction engine, the set is made once in the process that
    forks the extraction workers and shared by them, not rebuilt by each one.
    """
    stoplist = trafilatura.external.JT_STOPLIST
    if not isinstance(stoplist, AllStopwords):
        stoplist = AllStopwords()
        trafilatura.external.JT_STOPLIST = stoplist
    words: frozenset[str] = define_stoplist(stoplist)
    return words
