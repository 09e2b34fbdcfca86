"""What the database holds, in one comparable value: a refused request must leave it equal."""

from __future__ import annotations

import hashlib

from django.apps import apps

# Rows that record an attempt rather than content: a key's last use, sessions, login attempts.
NOT_CONTENT = {"api.apikey", "sessions.session", "axes.accessattempt", "axes.accesslog",
               "axes.accessfailurelog", "admin.logentry"}  # fmt: skip


def database_fingerprint() -> dict[str, str]:
    """A digest of every row of every model, by model (so a difference names the table)."""
    found = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in NOT_CONTENT or not model._meta.managed:
            continue
        rows = model._base_manager.order_by("pk").values_list()
        digest = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
        found[label] = digest
    return found
