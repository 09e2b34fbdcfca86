"""gunicorn's access log without secrets (gunicorn.conf.py: `logger_class`).

URLs carry credentials (`?api_key=`, subscriber confirm/manage/unsubscribe links), in the
request line, the path, the query and a Referer; headers carry keys and sessions. Every atom
the access log format names passes through `redact()`, the rule Django's own logs follow, and
the credential headers are never written at all. The format itself stays gunicorn's.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import unquote

from gunicorn.glogging import Logger

from .logging import redact

REDACTED = "[redacted]"

# Atoms whose whole value is a credential: the request's Authorization and cookies (as
# `{...}i` header atoms and `{...}e` environ atoms) and the session cookie a response sets.
NEVER_LOGGED = frozenset(
    {
        "{authorization}i",
        "{proxy-authorization}i",
        "{cookie}i",
        "{http_authorization}e",
        "{http_proxy_authorization}e",
        "{http_cookie}e",
        "{set-cookie}o",
    }
)


def clean(text: str) -> str:
    """`text` with every secret `redact()` knows replaced, also when percent-encoded."""
    cleaned = _redact(text)
    # Django decodes paths and queries before routing, so `/subscribe%2Fconfirm%2F<token>/`
    # and `?api%5Fkey=` work too: when decoding reveals a secret, log the decoded text, redacted.
    decoded = unquote(cleaned)
    if decoded != cleaned and (redacted := _redact(decoded)) != decoded:
        return redacted
    return cleaned


def _redact(text: str) -> str:
    # The "?" lets a bare query string (the `q` atom, "api_key=..." first) match like a URL's.
    return redact("?" + text)[1:]


class RedactingLogger(Logger):
    """gunicorn's logger, with the access log's atoms cleaned (see the module docstring)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in NEVER_LOGGED & atoms.keys():
            atoms[name] = REDACTED
        # Only the atoms the format names: a request has some forty, and cleaning one costs
        # microseconds that a cached answer (tens of them) should not pay forty times over.
        for name in _format_atoms(self.cfg.access_log_format):
            value = atoms.get(name)
            if isinstance(value, str) and name not in NEVER_LOGGED:
                atoms[name] = clean(value)
        return atoms


@functools.cache
def _format_atoms(log_format: str) -> tuple[str, ...]:
    # gunicorn looks `{header}i`-style atoms up in lower case, the one-letter ones as written.
    names = re.findall(r"%\(([^)]+)\)", log_format)
    return tuple(dict.fromkeys(n.lower() if n.startswith("{") else n for n in names))
