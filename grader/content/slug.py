"""Readable, stable identifiers made from text."""

from __future__ import annotations

import re
import unicodedata

_MAX_SLUG_CHARS = 60


def slugify(text: str, max_chars: int = _MAX_SLUG_CHARS) -> str:
    """Lower-case ASCII words joined by '-', cut at a word boundary to at most ``max_chars``.

    >>> slugify("Write any two differences between RNN and CNN?")
    'write-any-two-differences-between-rnn-and-cnn'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_chars:
            break
        slug = candidate
    return slug or "item"
