"""Crawling across machines: one Redis frontier (scrapy-redis) shared by every worker of a crawl."""
