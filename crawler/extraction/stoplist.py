"""The stop words justext uses for pages of any language, held as a sorted table of hashes.

trafilatura calls justext without a language, with the union of all 100 justext lists (a
154,484-word tuple), and justext turns it into a frozenset of lowered words: 15.5 MB of
string objects in every extraction process, for about 30 lookups per page (justext runs on
few pages). `StopwordTable` answers the same ``word in stoplist`` questions from 1.2 MB: the
lowered words' hashes, sorted, searched by bisection (about a microsecond a lookup).

Hashes of ``str`` are salted per interpreter: the table is built at import, in the process
that uses it or in the forkserver its workers are forked from (same salt), never pickled.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable

import justext.core
import trafilatura.external
from justext.utils import get_stoplist, get_stoplists


class StopwordTable:
    """Set membership of lowered words, from their 64-bit hashes only.

    Two different words with the same hash would count as one: at 154k words among 2**64
    hashes, a chance of about one in 10**14 per lookup.
    """

    __slots__ = ("_hashes",)

    def __init__(self, words: Iterable[str]) -> None:
        self._hashes = array("q", sorted({hash(word.lower()) for word in words}))

    def __contains__(self, word: object) -> bool:
        key = hash(word)
        at = bisect_left(self._hashes, key)
        return at < len(self._hashes) and self._hashes[at] == key

    def __len__(self) -> int:
        return len(self._hashes)


def all_stopwords() -> StopwordTable:
    """Every justext list, in one table."""
    return StopwordTable(word for language in get_stoplists() for word in get_stoplist(language))


_justext_define_stoplist = justext.core.define_stoplist


def _define_stoplist(stoplist: object) -> object:
    """justext's ``define_stoplist``, passing a `StopwordTable` through as it is."""
    if isinstance(stoplist, StopwordTable):
        return stoplist
    return _justext_define_stoplist(stoplist)


# trafilatura's ``reset_caches`` clears justext's cache through whichever function it imported
_define_stoplist.cache_clear = _justext_define_stoplist.cache_clear  # type: ignore[attr-defined]
_define_stoplist.cache_info = _justext_define_stoplist.cache_info  # type: ignore[attr-defined]


def use_all_stopwords() -> StopwordTable:
    """Set trafilatura's stop list to one `StopwordTable` of every list; let justext use it.

    Called at import of the extraction engine: the table is built once in the process that
    forks the extraction workers and shared by them.
    """
    table: object = trafilatura.external.JT_STOPLIST
    if not isinstance(table, StopwordTable):
        table = all_stopwords()
        trafilatura.external.JT_STOPLIST = table  # type: ignore[assignment]
    justext.core.define_stoplist = _define_stoplist
    return table
