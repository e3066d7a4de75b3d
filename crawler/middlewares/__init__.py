"""Downloader and spider middlewares: scope, robots, pacing, traps, drop accounting."""
