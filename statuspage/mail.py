"""Email transport: the MAILERS entry built from EMAIL_URL, and the laptop's .eml backend."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
SCHEMES = {
    "smtp": {},
    "smtp+tls": {"use_tls": True},
    "smtps": {"use_ssl": True},
    "smtp+ssl": {"use_ssl": True},
}


def mailer_from_url(url: str, default_directory: Path) -> dict:
    """`smtp://user:pass@host:port`, `smtp+tls://...`, `smtps://...`, or `file:///dir`.

    Empty means one .eml file per message in `default_directory`.
    """
    if not url:
        return {"BACKEND": "statuspage.mail.EmlFileBackend",
                "OPTIONS": {"file_path": str(default_directory)}}  # fmt: skip
    parts = urlsplit(url)
    if parts.scheme == "file":
        return {"BACKEND": "statuspage.mail.EmlFileBackend", "OPTIONS": {"file_path": parts.path}}
    if parts.scheme not in SCHEMES:
        raise ImproperlyConfigured(
            f"EMAIL_URL scheme {parts.scheme!r} is not one of: file, {', '.join(SCHEMES)}."
        )
    if not parts.hostname:
        raise ImproperlyConfigured("EMAIL_URL needs a host, e.g. smtp://127.0.0.1:1025.")
    options = {
        "host": parts.hostname,
        "port": parts.port or (465 if SCHEMES[parts.scheme].get("use_ssl") else 25),
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "timeout": int(parse_qs(parts.query).get("timeout", ["10"])[0]),
        **SCHEMES[parts.scheme],
    }
    return {"BACKEND": SMTP_BACKEND, "OPTIONS": options}


class EmlFileBackend(BaseEmailBackend):
    """Writes one RFC 5322 file per message, so any mail client can open it."""

    def __init__(self, file_path: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.directory = Path(file_path)

    def send_messages(self, email_messages) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            name = self.directory / f"{uuid.uuid4().hex}.eml"
            temporary = name.with_suffix(".tmp")
            temporary.write_bytes(message.message().as_bytes())
            temporary.rename(name)  # readers never see a half-written file
            sent += 1
        return sent
