"""Project settings against Scrapy's defaults they replace."""

from __future__ import annotations

from scrapy.settings import default_settings
from scrapy.utils.project import get_project_settings

from crawler import settings

REMOTE_CONTROL = "scrapy.extensions.remote_control.RemoteControl"


def test_the_base_extensions_are_scrapys_without_the_remote_control_server() -> None:
    scrapys = dict(default_settings.EXTENSIONS_BASE)
    assert scrapys.pop(REMOTE_CONTROL) == 0  # the list this project copied, less the server
    assert scrapys == settings.EXTENSIONS_BASE


def test_the_project_enables_scrapys_extensions_but_the_remote_control_server() -> None:
    enabled = get_project_settings().get_component_priority_dict_with_base("EXTENSIONS")
    assert REMOTE_CONTROL not in enabled
    assert "scrapy.extensions.corestats.CoreStats" in enabled
