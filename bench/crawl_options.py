"""How the bench's sitemap crawl extracts, and so the ceiling and the one-process figures too.

Kept apart from `pages` (imported in the peers' venv, which has no ``crawler``).
"""

from crawler.extraction.options import ExtractionOptions

#: A sitemap spider follows no page links, so its workers do not collect them.
CRAWL_OPTIONS = ExtractionOptions(collect_links=False)
