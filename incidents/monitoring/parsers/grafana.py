"""Grafana's alerting webhook (unified alerting, Grafana 8 and later):

    {"receiver": ..., "status": "firing|resolved", "orgId": 1, "title": "[FIRING:1] ...",
     "message": ..., "state": "alerting", "version": "1", "groupKey": ...,
     "groupLabels": {...}, "commonLabels": {...}, "commonAnnotations": {...},
     "externalURL": ..., "truncatedAlerts": 0,
     "alerts": [{"status": "firing|resolved", "labels": {...}, "annotations": {...},
                 "startsAt": ..., "endsAt": ..., "generatorURL": ..., "fingerprint": ...,
                 "silenceURL": ..., "dashboardURL": ..., "panelURL": ...,
                 "values": {"B": 22.4}, "valueString": ...}]}

Its alerts are written as Alertmanager's. The legacy alerting's payload (`ruleName`,
`evalMatches`, no `alerts`) is refused with a word on what to use instead.
"""

from __future__ import annotations

from .common import RawAlert, alert_list, an_object, labelled_alert
from .errors import PayloadError


def parse(data, *, component_label: str) -> list[RawAlert]:
    payload = an_object(data, "The payload")
    if "alerts" not in payload and "ruleName" in payload:
        raise PayloadError(
            "This is Grafana's legacy alerting payload; use a contact point of Grafana "
            "alerting (version 8 and later), whose webhook sends an alerts list."
        )
    return [
        labelled_alert(item, index, component_label=component_label)
        for index, item in enumerate(alert_list(payload))
    ]
