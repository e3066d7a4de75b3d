"""Canonical URLs, sites and database keys; body fingerprints and their similarity."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from crawler.lsh import content_hash
from crawler.storage.neardup import estimated_jaccard, fingerprint, shingles
from crawler.storage.records import prepare
from crawler.urls import canonicalize_url, is_tracking_param, same_site, site_of, url_key
from tests.storage.builders import body_text, make_item


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTP://News.Example.COM:80/a/b", "http://news.example.com/a/b"),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com:8443/x#section", "https://example.com:8443/x"),
        ("https://example.com/x?b=2&a=1", "https://example.com/x?a=1&b=2"),
        (
            "https://example.com/x?utm_source=tw&UTM_Medium=s&fbclid=1&gclid=2&mc_cid=3&id=9",
            "https://example.com/x?id=9",
        ),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com./x", "https://example.com/x"),
        ("https://example.com/caf%c3%a9", "https://example.com/caf%C3%A9"),
        ("  https://example.com/x?q=a b  ", "https://example.com/x?q=a+b"),
        ("mailto:desk@example.com", "mailto:desk@example.com"),
    ],
)
def test_canonical_urls(url: str, canonical: str) -> None:
    assert canonicalize_url(url) == canonical
    assert canonicalize_url(canonical) == canonical


def test_tracking_parameters_are_recognised_but_content_parameters_are_kept() -> None:
    assert all(map(is_tracking_param, ["utm_campaign", "fbclid", "gclid", "mc_eid", "_ga"]))
    assert not any(map(is_tracking_param, ["id", "page", "p", "article", "q"]))


def test_sites_are_registered_domains_or_local_hosts_with_their_port() -> None:
    assert site_of("https://www.bbc.co.uk/news/1") == "bbc.co.uk"
    assert same_site("https://m.example.com/a", "https://www.example.com/b")
    assert not same_site("https://example.com/a", "https://example.org/a")
    assert site_of("http://127.0.0.1:8001/a") == "127.0.0.1:8001"
    assert not same_site("http://127.0.0.1:8001/a", "http://127.0.0.1:8002/a")
    assert not same_site("", "")


def test_url_keys_are_the_url_until_it_is_too_long() -> None:
    short = "https://example.com/a"
    long = short + "?q=" + "x" * 600
    assert url_key(short) == short
    assert url_key(long).startswith("sha1:") and url_key(long) != url_key(long + "y")


def test_content_hash_ignores_whitespace_only() -> None:
    body = body_text(1)
    assert content_hash(body) == content_hash("  " + body.replace(" ", "\n \t"))
    assert content_hash(body) != content_hash(body.replace("0", "1", 1))


def test_storage_reuses_the_dedupe_pipelines_hash_only_for_the_body_it_stores() -> None:
    body = body_text(1)
    hashed = replace(make_item("https://example.com/a", body), content_hash="f" * 64)
    assert prepare(hashed).fingerprint.content_hash == "f" * 64
    # Sanitising drops the NUL: the stored body is not the one hashed, so it is hashed again.
    dirty = replace(make_item("https://example.com/a", body + "\x00"), content_hash="f" * 64)
    assert prepare(dirty).fingerprint.content_hash == content_hash(body)
    assert prepare(make_item("https://example.com/a", body)).fingerprint.content_hash == (
        content_hash(body)
    )


def test_similarity_of_edited_copies_and_of_different_texts() -> None:
    body = body_text(2, paragraphs=10)
    paragraphs = body.split("\n\n")
    copy = "\n\n".join([*paragraphs[:-1], "This story was first published by The Wire."])
    a, b = fingerprint(body), fingerprint(copy)
    other = fingerprint(body_text(3, paragraphs=10))
    true_similarity = len(shingles(body, 5) & shingles(copy, 5)) / len(
        shingles(body, 5) | shingles(copy, 5)
    )
    assert abs(estimated_jaccard(a.signature, b.signature) - true_similarity) < 0.12
    assert set(a.band_keys) & set(b.band_keys)
    assert estimated_jaccard(a.signature, other.signature) < 0.2
    assert not set(a.band_keys) & set(other.band_keys)


def test_fingerprints_are_the_same_in_another_process() -> None:
    body = body_text(4)
    script = (
        "import sys; from crawler.storage.neardup import fingerprint; "
        "f = fingerprint(sys.stdin.read()); print(f.content_hash, f.signature.hex(), f.band_keys)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], input=body, capture_output=True, text=True, check=True
    )
    mine = fingerprint(body)
    assert result.stdout.split(" ", 2) == [
        mine.content_hash,
        mine.signature.hex(),
        str(mine.band_keys) + "\n",
    ]
