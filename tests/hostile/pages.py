"""Hostile page bodies for the content, encoding and fuzzing tests, written for this suite.

Every page is built from a plain news-article template (headline, byline, date, a few
paragraphs) and then broken in one way: truncated, nested thousands of levels deep, made of
hundreds of thousands of elements, encoded in a legacy charset without saying so, and so on.
"""

from __future__ import annotations

import json
import random

#: Paragraphs per language, each long enough that a page of them is clearly an article.
TEXTS = {
    "en": [
        "The harbour authority confirmed on Tuesday that the northern pier will close for "
        "repairs, after inspectors found corrosion in three of its supporting columns.",
        "Fishing crews who moor at the pier said they had been warned months ago, and asked "
        "the council to provide temporary berths before the winter season begins.",
        "Engineers expect the work to take eleven weeks, weather permitting, and estimate the "
        "cost at just under two million euros, most of it covered by a regional fund.",
        "A spokesperson for the authority said the southern quay remains open to ferries and "
        "that no change to the timetable is planned while the repairs go on.",
    ],
    "fr": [
        "La mairie a annoncé mercredi la réouverture du marché couvert, fermé depuis l'été "
        "pour des travaux de rénovation de la toiture et de l'éclairage.",
        "Les commerçants, qui s'étaient installés provisoirement sur la place de l'église, "
        "retrouveront leurs étals dès le premier week-end de décembre.",
        "Le coût des travaux s'élève à 1,2 million d'euros, financés à parts égales par la "
        "commune et la région, selon l'adjoint chargé du patrimoine.",
    ],
    "de": [
        "Die Stadtwerke haben am Montag angekündigt, die Gebühren für Fernwärme im kommenden "
        "Jahr nicht zu erhöhen, obwohl die Beschaffungskosten gestiegen sind.",
        "Der Geschäftsführer begründete die Entscheidung mit Rücklagen, die in den vergangenen "
        "Jahren gebildet worden seien, und mit günstigeren Lieferverträgen.",
        "Verbraucherschützer begrüßten den Schritt, forderten aber mehr Transparenz über die "
        "Zusammensetzung der Preise für Haushalte und Gewerbe.",
    ],
    "ru": [
        "Городская администрация в четверг сообщила о начале ремонта центрального моста, "
        "который был закрыт для грузового транспорта ещё весной.",
        "По словам главного инженера, работы продлятся до конца следующего года, а движение "
        "легковых автомобилей будет сохранено по одной полосе в каждую сторону.",
        "Жители соседних улиц опасаются пробок и просят власти изменить маршруты автобусов "
        "на время ремонта, чтобы сократить время в пути.",
    ],
    "zh": [
        "市政府周三宣布，城东的新图书馆将于下个月正式对外开放，馆内藏书超过三十万册。",
        "图书馆负责人表示，新馆设有儿童阅读区和自习室，每天开放到晚上九点，方便上班族使用。",
        "附近居民对此表示欢迎，认为新馆将为社区带来更多文化活动和学习机会。",
        "据介绍，该项目总投资约两亿元，由市财政和社会捐赠共同承担，建设工期为两年。",
    ],
    "ja": [
        "市は火曜日、駅前の再開発計画について住民説明会を開き、新しい広場と商業施設の概要を示した。",
        "計画では、老朽化した駐輪場を地下に移し、地上には緑地と子ども向けの遊び場を整備する。",
        "参加した住民からは、工事期間中の騒音や交通規制について詳しい説明を求める声が上がった。",
        "市の担当者は、着工は来年の春を予定しており、完成までにおよそ三年かかる見通しだと述べた。",
    ],
    "ko": [
        "시는 화요일 도심 하천 정비 사업을 마무리하고 "
        "산책로와 자전거 도로를 시민에게 개방한다고 밝혔다.",
        "새로 조성된 산책로는 약 사 킬로미터 길이로, 야간에도 이용할 수 있도록 조명이 설치됐다.",
        "인근 주민들은 출퇴근길이 편리해졌다며 환영했지만, "
        "주차 공간 부족을 걱정하는 목소리도 나왔다.",
        "시 관계자는 내년까지 하류 구간 정비를 추가로 진행할 계획이라고 설명했다.",
        "이번 사업에는 국비와 시비를 합쳐 약 이백억 원이 투입됐으며, 공사는 이 년 넘게 이어졌다.",
    ],
}
#: A legacy charset each language is commonly served in without a declaration.
LEGACY = {
    "fr": "cp1252",
    "de": "cp1252",
    "ru": "cp1251",
    "ru-koi8": "koi8-r",
    "zh": "gbk",
    "ja": "shift_jis",
    "ko": "euc-kr",
}


def news_html(
    title: str,
    paragraphs: list[str],
    *,
    lang: str = "en",
    head: str = "",
    published: str = "2026-11-20T09:30:00+00:00",
    charset_meta: bool = True,
    wrap: tuple[str, str] = ("", ""),
) -> str:
    """A plain news article page; ``wrap`` surrounds the article element (for nesting)."""
    meta = '<meta charset="utf-8">' if charset_meta else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="{lang}"><head>{meta}<title>{title}</title>'
        f'<meta property="article:published_time" content="{published}">{head}</head>'
        f'<body><header><a href="/">Home</a> <a href="/news/">News</a></header>{wrap[0]}'
        f'<article><h1>{title}</h1><p class="byline">By Jane Roe</p>'
        f'<time datetime="{published}">20 November 2026</time>{body}</article>{wrap[1]}'
        "<footer>Contact us - Privacy</footer></body></html>"
    )


def english(title: str = "Northern pier to close for repairs", **kw: object) -> str:
    """The English article."""
    return news_html(title, TEXTS["en"], **kw)  # type: ignore[arg-type]


def deep(depth: int) -> str:
    """The English article with its text inside ``depth`` nested ``<div>`` elements."""
    return english(f"Deep {depth}", wrap=("<div>" * depth, "</div>" * depth))


def text_bomb(depth: int, tag: str = "div") -> str:
    """The English article after ``depth`` unclosed ``<tag>x`` (text at every level, so no
    tag run to cut): past libxml2's depth limit the article is lost to the parser."""
    return english(f"Text bomb {depth}", wrap=(f"<{tag}>x" * depth, ""))


def element_flood(count: int) -> str:
    """An article followed by ``count`` tiny empty elements (a pathological element count)."""
    return english("Flood").replace("<footer>", "<span></span>" * count + "<footer>")


def huge_legitimate(target_bytes: int) -> str:
    """A long article (a transcript, a live blog) of about ``target_bytes`` of paragraphs."""
    rng = random.Random(7)
    paragraphs: list[str] = []
    size = 0
    while size < target_bytes:
        paragraph = " ".join(rng.sample(TEXTS["en"], 4))
        paragraphs.append(paragraph)
        size += len(paragraph) + 8
    return news_html("Full transcript of the council meeting", paragraphs)


def json_ld(payload: str) -> str:
    """The English article with ``payload`` as its JSON-LD script."""
    return english(head=f'<script type="application/ld+json">{payload}</script>')


def gigantic_json_ld(items: int) -> str:
    """A JSON-LD graph of ``items`` nodes (a few MB) in front of the article."""
    graph = [{"@type": "Thing", "name": f"node {i}", "url": f"/n/{i}"} for i in range(items)]
    return json_ld(json.dumps({"@context": "https://schema.org", "@graph": graph}))


def conflicting_meta() -> str:
    """Three titles, three dates and two languages that disagree."""
    head = (
        '<meta property="og:title" content="A different headline entirely">'
        '<meta name="title" content="Yet another title">'
        '<meta property="article:published_time" content="2019-01-01T00:00:00Z">'
        '<meta name="date" content="not a date at all">'
        '<meta http-equiv="content-language" content="fr">'
    )
    return english(head=head, published="2026-11-20T09:30:00+00:00")


SOFT_404 = (
    "<!doctype html><html><head><title>Page not found</title></head><body><h1>Sorry, we "
    "couldn't find that page</h1><p>The page you requested does not exist. Try the search "
    "box or go back to the <a href='/'>home page</a>.</p></body></html>"
)
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + bytes(range(256)) * 40 + b"%%EOF"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + bytes(range(256)) * 40 + b"\xff\xd9"


def random_bytes(size: int, seed: int = 1) -> bytes:
    """``size`` random bytes (never valid HTML)."""
    return random.Random(seed).randbytes(size)
