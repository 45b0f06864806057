"""Secrets never reach a log: a one-time sign-in link's code is part of its path
(`/app/sign-in/link/<code>`), and the server's access log writes every path. This filter
replaces the code before any handler sees the line."""

from __future__ import annotations

import logging
import re

# The access log writes the path as sent: a slash may come percent-encoded ("link%2F<code>"),
# and the router decodes it to the same sign-in route.
_SLASH = r"(?:/|%2f|%252f)"
_LINK_CODE = re.compile(rf"({_SLASH}sign-in{_SLASH}link{_SLASH})[^\s/?\"]+", re.IGNORECASE)
REDACTED = r"\1[redacted]"


def redact(text: str) -> str:
    return _LINK_CODE.sub(REDACTED, text)


class RedactSignInCodes(logging.Filter):
    """Rewrites a record's message and arguments so no sign-in code is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install_redaction(*logger_names: str) -> None:
    """Add the filter to each logger once (the server's access log, by default)."""
    for name in logger_names or ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSignInCodes) for f in logger.filters):
            logger.addFilter(RedactSignInCodes())
