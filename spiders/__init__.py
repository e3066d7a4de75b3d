"""The news spiders: ``site``, ``feed``, ``sitemap`` and ``urls``, on a shared base."""
