"""Secrets never reach a log line: the values to hide, and the logging filter that hides them.

Scrapy logs every overridden setting when a crawl starts (``FTP_PASSWORD``,
``TELNETCONSOLE_PASSWORD`` and database URLs included), and exception messages can carry a
URL with its password. ``SecretRedaction`` (an extension, so it is built before that log
line) collects the secret values of the crawl's settings and of the proxy environment and
installs a log record factory that masks them in the message and traceback of every record
a handler can see, as well as any ``scheme://user:password@`` and ``Authorization`` header,
known or not. A record below the level of every handler that would receive it (Scrapy's
DEBUG lines in an INFO log) is never formatted, so it is left as it is.
``install_redaction`` does the same for an entry point that logs before a crawl starts, and
``redact_text`` is there for anything printed without logging.
"""

from __future__ import annotations

import base64
import logging
import re
import traceback
import urllib.request
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

MASK = "***"
#: Setting names whose values are secrets.
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|(?:^|_)KEY$|API_?KEY", re.I)
#: Shorter values are not treated as secrets (they would mask ordinary words).
MIN_SECRET_LENGTH = 4
_URL_PASSWORD = re.compile(r"([a-z][a-z0-9+.\-]*://[^\s/:@'\"]*:)([^\s@/'\"]+)(@)", re.I)
_AUTH_HEADER = re.compile(
    r"((?:proxy-)?authorization['\"]?\s*[:=,]\s*[\[\(]?\s*b?['\"]?(?:basic|bearer|digest)?\s*)"
    r"([^\s'\"\]\),]+)",
    re.I,
)


def url_secrets(text: str) -> set[str]:
    """Passwords in ``scheme://user:password@host`` URLs inside ``text``, and the base64
    ``user:password`` a proxy or server would receive for them."""
    found: set[str] = set()
    for match in re.finditer(r"[a-z][a-z0-9+.\-]*://[^\s'\"]+", text, re.I):
        try:
            parts = urlsplit(match.group(0))
            password = parts.password
        except ValueError:
            continue
        if password:
            user = unquote(parts.username or "")
            found |= {password, unquote(password)}
            credentials = f"{user}:{unquote(password)}".encode()
            found.add(base64.b64encode(credentials).decode("ascii"))
    return found


def secret_values(settings: BaseSettings | dict[str, Any]) -> set[str]:
    """Values of secret-named settings, and URL passwords in any setting's value."""
    found: set[str] = set()
    for name in list(settings):
        value = settings[name]
        if value is None:
            continue
        if isinstance(value, str) and SECRET_NAME.search(name):
            found.add(value)
        found |= url_secrets(str(value))
    return {value for value in found if len(value) >= MIN_SECRET_LENGTH}


def proxy_secrets() -> set[str]:
    """Credentials in the proxy environment variables Scrapy's proxy middleware reads."""
    return url_secrets(" ".join(urllib.request.getproxies().values()))


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every known secret and every URL or header credential masked."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _URL_PASSWORD.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    return _AUTH_HEADER.sub(lambda m: m.group(1) + MASK, text)


def redact_record(record: logging.LogRecord, secrets: Iterable[str]) -> None:
    """Render ``record``'s message and traceback now, with secrets masked."""
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        message = str(record.msg)
    record.msg, record.args = redact_text(message, secrets), None
    if record.exc_info and record.exc_info[0] is not None:
        formatted = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text, record.exc_info = redact_text(formatted, secrets), None
    if record.stack_info:
        record.stack_info = redact_text(record.stack_info, secrets)


class RedactingRecordFactory:
    """A log record factory that redacts each record as it is made, so no handler (even
    one added or replaced later, as Scrapy does once a crawl's settings are applied) can
    emit a secret."""

    def __init__(self, inner: Callable[..., logging.LogRecord], secrets: Iterable[str]) -> None:
        self.inner = inner
        self.secrets = set(secrets)

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        if reaches_a_handler(record):
            redact_record(record, self.secrets)
        return record


def reaches_a_handler(record: logging.LogRecord) -> bool:
    """Whether a handler that ``record``'s logger would pass it to admits its level (the
    same walk as `logging.Logger.callHandlers`, including the last-resort handler)."""
    logger: logging.Logger | None = logging.getLogger(record.name)
    found = False
    while logger is not None:
        for handler in logger.handlers:
            found = True
            if record.levelno >= handler.level:
                return True
        logger = logger.parent if logger.propagate else None
    last = logging.lastResort
    return not found and (last is None or record.levelno >= last.level)


def install_redaction(secrets: Iterable[str] = ()) -> RedactingRecordFactory:
    """Mask ``secrets`` (and URL/header credentials) in every log record made from now on;
    installing again adds secrets to the factory already in place."""
    current = logging.getLogRecordFactory()
    if isinstance(current, RedactingRecordFactory):
        current.secrets |= set(secrets)
        return current
    factory = RedactingRecordFactory(current, secrets)
    logging.setLogRecordFactory(factory)
    return factory


class SecretRedaction:
    """Extension: installs the redacting filter with the crawl's secrets at start-up."""

    def __init__(self, secrets: set[str]) -> None:
        self.factory = install_redaction(secrets)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(secret_values(crawler.settings) | proxy_secrets())
