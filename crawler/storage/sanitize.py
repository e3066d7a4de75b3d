"""Text cleaning before the driver sees it, so SQLite and PostgreSQL store the same values."""

from __future__ import annotations

import re
from typing import Any

# NUL and the other C0 controls except tab, newline and carriage return; PostgreSQL
# rejects NUL in text and JSONB, and the rest are never content.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` without C0 controls (tab/newline/CR kept), lone surrogates as U+FFFD."""
    value = _CONTROLS.sub("", value)
    return _SURROGATES.sub("\ufffd", value)


def clean_optional(value: str | None) -> str | None:
    """``clean_text`` that passes ``None`` through."""
    return None if value is None else clean_text(value)


def clean_json(value: Any) -> Any:
    """A JSON-able value with every string in it (keys included) cleaned."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v) for v in value]
    return value
