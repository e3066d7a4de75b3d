"""Storing a batch of articles in one transaction: identity, duplicate decisions, upserts."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from crawler.storage.models import ArticleRevision, ArticleRow, ArticleUrl, LshBand, table
from crawler.storage.neardup import DEFAULT_LSH, LshParams, estimated_jaccard
from crawler.storage.records import CONTENT_COLUMNS, META_COLUMNS, Incoming
from crawler.storage.session import chunks, dialect_insert, index_lookups_only

ARTICLES = table(ArticleRow)
_COMPARED = (*CONTENT_COLUMNS, *META_COLUMNS)
#: Columns an update leaves alone: identity, first sighting and the duplicate decision.
_KEPT_ON_UPDATE = {"url_key", "canonical_url", "domain"}


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What a batch did to each item.

    stored: new articles; duplicate: new articles stored with ``duplicate_of`` (near-identical
    body elsewhere); merged: recorded as a URL variant of an existing article (identical body
    on the same site); updated: existing articles whose content or metadata changed (a body or
    title change also keeps a revision); unchanged: recrawls that only touched ``last_seen``.
    """

    stored: int = 0
    duplicate: int = 0
    merged: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: BatchResult) -> BatchResult:
        return BatchResult(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(BatchResult))
        )

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(BatchResult))


@dataclass
class _State:
    """What the batch knows: prefetched rows plus everything it wrote so far."""

    url_ids: dict[str, int]
    exact: dict[tuple[str, str], int]
    band_ids: defaultdict[int, set[int]]
    signatures: dict[int, tuple[bytes, int | None]]
    rows: dict[int, dict[str, Any]]
    variants: dict[str, tuple[str, int]] = field(default_factory=dict)
    bands: dict[int, tuple[int, ...]] = field(default_factory=dict)
    touched: set[int] = field(default_factory=set)

    def record_variants(self, article_id: int, item: Incoming) -> None:
        for key, url in item.variants.items():
            self.variants.setdefault(key, (url, article_id))
            self.url_ids.setdefault(key, article_id)

    def index_body(self, article_id: int, item: Incoming, original: int | None) -> None:
        self.exact.setdefault((item.domain, item.fingerprint.content_hash), article_id)
        for key in item.fingerprint.band_keys:
            self.band_ids[key].add(article_id)
        self.signatures[article_id] = (item.fingerprint.signature, original)
        self.bands[article_id] = item.fingerprint.band_keys


def store_incoming(
    conn: sa.Connection, batch: Sequence[Incoming], now: datetime, lsh: LshParams = DEFAULT_LSH
) -> BatchResult:
    """Store ``batch`` on ``conn`` (inside the caller's write transaction)."""
    index_lookups_only(conn)
    state = _prefetch(conn, batch)
    outcomes: Counter[str] = Counter()
    for item in batch:
        outcomes[_store_one(conn, item, state, now, lsh)] += 1
    _write_pending(conn, state, now)
    return BatchResult(**outcomes)


def _store_one(
    conn: sa.Connection, item: Incoming, state: _State, now: datetime, lsh: LshParams
) -> str:
    article_id = next((state.url_ids[k] for k in item.identity_keys if k in state.url_ids), None)
    if article_id is not None:
        outcome = _recrawl(conn, article_id, item, state, now)
    elif (article_id := state.exact.get((item.domain, item.fingerprint.content_hash))) is not None:
        state.touched.add(article_id)
        outcome = "merged"
    else:
        original = _near_duplicate(item, state, lsh)
        article_id = _insert_article(conn, item, original, now)
        if article_id is None:  # inserted meanwhile by a writer outside our lock
            article_id = conn.scalar(sa.select(ARTICLES.c.id).where(ARTICLES.c.url_key == item.key))
            assert article_id is not None
            outcome = _recrawl(conn, article_id, item, state, now)
        else:
            state.rows[article_id] = item.values
            state.index_body(article_id, item, original)
            outcome = "stored" if original is None else "duplicate"
    state.record_variants(article_id, item)
    return outcome


def _recrawl(
    conn: sa.Connection, article_id: int, item: Incoming, state: _State, now: datetime
) -> str:
    row = state.rows.get(article_id) or _load_rows(conn, [article_id])[article_id]
    content_changed = any(row[c] != item.values[c] for c in CONTENT_COLUMNS)
    if not content_changed and all(row[c] == item.values[c] for c in META_COLUMNS):
        state.touched.add(article_id)
        return "unchanged"
    if content_changed:
        _keep_revision(conn, article_id, now)
        conn.execute(sa.delete(LshBand).where(LshBand.article_id == article_id))
        original = state.signatures.get(article_id, (b"", row.get("duplicate_of")))[1]
        state.index_body(article_id, item, original)
    changes = {k: v for k, v in item.values.items() if k not in _KEPT_ON_UPDATE}
    conn.execute(
        sa.update(ARTICLES).where(ARTICLES.c.id == article_id).values(**changes, last_seen=now)
    )
    state.rows[article_id] = {**row, **changes}
    return "updated"


def _keep_revision(conn: sa.Connection, article_id: int, now: datetime) -> None:
    """Copy the current body and title into ``article_revisions``, server-side."""
    revisions = table(ArticleRevision)
    columns = [
        "article_id",
        "title",
        "body",
        "content_hash",
        "modified_at",
        "fetched_at",
        "replaced_at",
    ]
    source = sa.select(
        ARTICLES.c.id,
        ARTICLES.c.title,
        ARTICLES.c.body,
        ARTICLES.c.content_hash,
        ARTICLES.c.modified_at,
        ARTICLES.c.fetched_at,
        sa.literal(now, ArticleRevision.replaced_at.type),
    ).where(ARTICLES.c.id == article_id)
    conn.execute(revisions.insert().from_select(columns, source))


def _near_duplicate(item: Incoming, state: _State, lsh: LshParams) -> int | None:
    """The original of the most similar stored body at or above the threshold, if any."""
    candidates = set().union(*(state.band_ids.get(k, ()) for k in item.fingerprint.band_keys))
    best: tuple[float, int] | None = None
    for candidate in sorted(candidates):
        signature = state.signatures.get(candidate)
        if signature is None:
            continue
        similarity = estimated_jaccard(item.fingerprint.signature, signature[0])
        if similarity >= lsh.threshold and (best is None or similarity > best[0]):
            best = (similarity, candidate)
    if best is None:
        return None
    return state.signatures[best[1]][1] or best[1]


def _insert_article(
    conn: sa.Connection, item: Incoming, original: int | None, now: datetime
) -> int | None:
    values = {**item.values, "duplicate_of": original, "first_seen": now, "last_seen": now}
    # Values as parameters, not .values(): the compiled statement is cached and reused.
    stmt = dialect_insert(conn, ARTICLES).on_conflict_do_nothing(index_elements=["url_key"])
    return conn.execute(stmt.returning(ARTICLES.c.id), values).scalar_one_or_none()


def _write_pending(conn: sa.Connection, state: _State, now: datetime) -> None:
    if state.variants:
        rows = [
            {"url_key": key, "url": url, "article_id": article_id, "first_seen": now}
            for key, (url, article_id) in state.variants.items()
        ]
        conn.execute(dialect_insert(conn, table(ArticleUrl)).on_conflict_do_nothing(), rows)
    if state.bands:
        rows = [
            {"band_key": key, "article_id": article_id}
            for article_id, keys in state.bands.items()
            for key in set(keys)
        ]
        conn.execute(dialect_insert(conn, table(LshBand)).on_conflict_do_nothing(), rows)
    for ids in chunks(sorted(state.touched)):
        conn.execute(sa.update(ARTICLES).where(ARTICLES.c.id.in_(ids)).values(last_seen=now))


def _prefetch(conn: sa.Connection, batch: Sequence[Incoming]) -> _State:
    """Everything the batch's decisions need, in a handful of indexed queries."""
    urls = table(ArticleUrl)
    keys = {k for item in batch for k in item.identity_keys}
    url_ids: dict[str, int] = {}
    for chunk in chunks(keys):
        url_ids.update(
            conn.execute(
                sa.select(urls.c.url_key, urls.c.article_id).where(urls.c.url_key.in_(chunk))
            ).all()
        )
    exact: dict[tuple[str, str], int] = {}
    for chunk in chunks({item.fingerprint.content_hash for item in batch}):
        query = sa.select(ARTICLES.c.domain, ARTICLES.c.content_hash, ARTICLES.c.id).where(
            ARTICLES.c.content_hash.in_(chunk)
        )
        for domain, content_hash, article_id in conn.execute(query.order_by(ARTICLES.c.id)):
            exact.setdefault((domain, content_hash), article_id)
    band_ids: defaultdict[int, set[int]] = defaultdict(set)
    band_table = table(LshBand)
    for chunk in chunks({k for item in batch for k in item.fingerprint.band_keys}):
        query = sa.select(band_table.c.band_key, band_table.c.article_id).where(
            band_table.c.band_key.in_(chunk)
        )
        for row in conn.execute(query):
            band_ids[row.band_key].add(row.article_id)
    signatures: dict[int, tuple[bytes, int | None]] = {}
    for chunk in chunks(set().union(*band_ids.values())):
        query = sa.select(ARTICLES.c.id, ARTICLES.c.minhash, ARTICLES.c.duplicate_of).where(
            ARTICLES.c.id.in_(chunk)
        )
        signatures.update((row.id, (row.minhash, row.duplicate_of)) for row in conn.execute(query))
    rows = _load_rows(conn, set(url_ids.values()))
    return _State(url_ids, exact, band_ids, signatures, rows)


def _load_rows(conn: sa.Connection, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The compared columns of existing articles, keyed by id."""
    columns = [ARTICLES.c.id, ARTICLES.c.duplicate_of, *(ARTICLES.c[name] for name in _COMPARED)]
    rows: dict[int, dict[str, Any]] = {}
    for chunk in chunks(ids):
        for row in conn.execute(sa.select(*columns).where(ARTICLES.c.id.in_(chunk))).mappings():
            rows[row["id"]] = dict(row)
    return rows
