"""Prometheus Alertmanager's webhook payload, version 4:

    {"version": "4", "groupKey": ..., "status": "firing|resolved", "receiver": ...,
     "groupLabels": {...}, "commonLabels": {...}, "commonAnnotations": {...},
     "externalURL": ..., "truncatedAlerts": 0,
     "alerts": [{"status": "firing|resolved", "labels": {...}, "annotations": {...},
                 "startsAt": "<RFC 3339>", "endsAt": "<RFC 3339>", "generatorURL": ...,
                 "fingerprint": "<hex>"}]}

The group's own `status` says whether any alert still fires; each alert's says its own,
which is what counts.
"""

from __future__ import annotations

from .common import RawAlert, alert_list, labelled_alert
from .errors import PayloadError

VERSION = "4"


def parse(data, *, component_label: str) -> list[RawAlert]:
    alerts = alert_list(data)
    version = data.get("version")
    if version is not None and version != VERSION:
        raise PayloadError(
            f"Alertmanager webhook version {str(version)[:10]!r} is not supported; "
            f"version {VERSION} is."
        )
    return [
        labelled_alert(item, index, component_label=component_label)
        for index, item in enumerate(alerts)
    ]
