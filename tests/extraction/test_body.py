"""Body extraction on small pages: what trafilatura misses is recovered, what it keeps by
mistake is removed, and the text comes out in the body form."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.extraction import ExtractionOptions, SiteOverrides, extract_article
from crawler.extraction.body import count_words

NOW = datetime(2024, 6, 1, tzinfo=UTC)
URL = "https://news.example.com/2024/05/31/harbour-bridge-reopens"
PARAS = [
    f"Paragraph {word} of the story says the harbour bridge reopened on Friday after "
    f"four months of repairs, and that traffic was flowing normally by the evening rush."
    for word in ("one", "two", "three", "four", "five", "six")
]


def page(body: str, head: str = "") -> str:
    return (
        f"<html><head><title>Harbour bridge reopens</title>{head}</head><body>"
        f"<header><a href='/'>Example News</a></header>{body}"
        "<footer><a href='/contact'>Contact</a></footer></body></html>"
    )


def paragraphs(body: str) -> list[str]:
    return body.split("\n\n") if body else []


def test_article_cut_into_sibling_containers_is_recovered_in_order() -> None:
    chunk = "<div class='grid'><div class='article__body'>{}</div></div>"
    ad = "<div class='ad'><p>Advertisement</p></div>"
    html = page(
        "<article><h1>Harbour bridge reopens</h1><div class='chunks'>"
        + chunk.format("".join(f"<p>{p}</p>" for p in PARAS[:2]))
        + ad
        + chunk.format("".join(f"<p>{p}</p>" for p in PARAS[2:4]))
        + ad
        + chunk.format("".join(f"<p>{p}</p>" for p in PARAS[4:]))
        + "</div></article>"
    )
    assert paragraphs(extract_article(html, URL, NOW).body) == PARAS


def test_quoted_tweet_inside_the_story_is_kept_in_place() -> None:
    tweet = (
        "<blockquote class='twitter-tweet'><p lang='en'>The bridge is open again, "
        "thank you to every crew member who worked nights on it.</p>&mdash; Harbour Authority "
        "(@harbour) <a href='https://twitter.com/harbour/status/1'>May 31, 2024</a></blockquote>"
    )
    html = page(
        "<article><h1>Harbour bridge reopens</h1><div class='story'>"
        + "".join(f"<p>{p}</p>" for p in PARAS[:3])
        + tweet
        + "".join(f"<p>{p}</p>" for p in PARAS[3:])
        + "</div></article>"
    )
    body = paragraphs(extract_article(html, URL, NOW).body)
    assert body[:3] == PARAS[:3] and body[-3:] == PARAS[3:]
    assert body[3].startswith("The bridge is open again")
    assert body[4].startswith("\u2014 Harbour Authority (@harbour)")


def test_hidden_microdata_copy_of_the_metadata_stays_out() -> None:
    hidden = (
        "<div style='display: none' itemscope itemtype='http://schema.org/NewsArticle'>"
        "<div itemprop='headline'>Harbour bridge reopens</div>"
        "<div itemprop='datePublished'>2024-05-31T08:00:00+01:00</div>"
        "<div itemprop='description'><p>Short summary of the harbour bridge story.</p></div></div>"
    )
    html = page(
        "<article><h1>Harbour bridge reopens</h1><div class='story'>"
        + "".join(f"<p>{p}</p>" for p in PARAS)
        + hidden
        + "</div></article>"
    )
    assert paragraphs(extract_article(html, URL, NOW).body) == PARAS


def test_line_breaks_of_the_html_source_do_not_split_paragraphs() -> None:
    wrapped = PARAS[0].replace(" the ", "\n          the ", 2)
    html = page(
        "<article><h1>Harbour bridge reopens</h1><div class='story'>"
        f"<p>{wrapped}<br>A second line after a break.</p>"
        + "".join(f"<p>{p}</p>" for p in PARAS[1:])
        + "</div></article>"
    )
    body = paragraphs(extract_article(html, URL, NOW).body)
    assert body[:2] == [PARAS[0], "A second line after a break."]


def test_site_override_selects_the_body() -> None:
    html = page(
        "<div class='x'><div class='story-text'>"
        + "".join(f"<div>{p}</div>" for p in PARAS[:2])
        + "</div><div class='legal'>"
        + "".join(f"<div>{p.replace('story', 'notice')}</div>" for p in PARAS[2:])
        + "</div></div>"
    )
    options = ExtractionOptions(overrides=SiteOverrides(body="div.story-text"))
    article = extract_article(html, URL, NOW, options)
    assert paragraphs(article.body) == PARAS[:2]
    assert article.provenance["body"] == "site-override"


def test_override_that_selects_nothing_falls_back_to_the_extractor() -> None:
    html = page("<article><h1>Harbour bridge reopens</h1>" + "".join(f"<p>{p}</p>" for p in PARAS)
                + "</article>")  # fmt: skip
    options = ExtractionOptions(overrides=SiteOverrides(body="div.no-such-thing"))
    article = extract_article(html, URL, NOW, options)
    assert paragraphs(article.body) == PARAS
    assert "body" not in article.provenance


def test_extraction_is_deterministic_and_leaves_no_trace() -> None:
    html = page("<article><h1>Harbour bridge reopens</h1>" + "".join(f"<p>{p}</p>" for p in PARAS)
                + "</article>")  # fmt: skip
    first, second = extract_article(html, URL, NOW), extract_article(html.encode(), URL, NOW)
    assert first == second


def test_a_site_tagline_in_the_header_above_the_headline_is_not_body_text() -> None:
    html = (
        "<html><head><title>Harbour bridge reopens</title></head><body>"
        "<header class='site-header'><div class='container'>"
        "<a class='logo' href='/'><span>Example News</span></a>"
        "<p class='tagline'>Harbour and shipping news</p><nav class='main-nav'><ul>"
        "<li><a href='/'>Home</a></li><li><a href='/news/'>News</a></li></ul></nav>"
        "</div></header><div class='container'><div class='row'><div class='article-main'>"
        "<div class='news-heading'><h1>Harbour bridge reopens</h1></div><div class='news-content'>"
        + "".join(f"<p>{p}</p>" for p in PARAS)
        + "</div></div></div></div>"
        "<footer><a href='/contact'>Contact</a></footer></body></html>"
    )
    assert paragraphs(extract_article(html, URL, NOW).body) == PARAS


def test_words_are_counted_for_scripts_written_without_spaces() -> None:
    assert count_words("The bridge reopened on Friday, officials said.") == 7
    assert count_words("市政府周三宣布，新图书馆将开放。") == 7  # 14 Han characters, two per word
    assert count_words("新しい図書館は来月開館します。") == 7  # Han and kana alike
    assert count_words("東京2024 大会") == 3  # the digits are one word beside the Han
    assert count_words("서울시는 수요일 발표했다") == 3  # Korean is written with spaces


def test_a_chinese_article_has_a_word_count_that_reflects_its_length() -> None:
    sentence = "市政府周三宣布，城东的新图书馆将于下个月正式对外开放，馆内藏书超过三十万册。"
    html = page("<article><h1>新图书馆下月开放</h1>" + f"<p>{sentence}</p>" * 8 + "</article>")
    article = extract_article(html, URL, NOW)
    assert article.word_count == 8 * count_words(sentence) and article.is_article
