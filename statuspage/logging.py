"""Keeps secrets out of the logs: subscriber links, monitoring hooks (`/hooks/<secret>/`) and
`api_key=` carry credentials in URLs, and Django logs request paths (refused requests, the
development server's access log)."""

from __future__ import annotations

import logging
import re

_SECRETS = [
    (re.compile(r"(/subscribe/(?:confirm|manage|unsubscribe)/)[^/\s\"']+"), r"\1[redacted]"),
    (re.compile(r"([?&]api_key=)[^&\s\"']+"), r"\1[redacted]"),
    (re.compile(r"(/hooks/)[^/\s\"'?]+"), r"\1[redacted]"),
    (re.compile(r"((?:OAuth|Bearer)\s+)[A-Za-z0-9_\-]{16,}"), r"\1[redacted]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites a record's message with the secrets above replaced; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True
