"""The demo page: pods and products, one resolved incident told in our own words with its
published postmortem, a scheduled maintenance in the future, a few incident templates, and a
few accounts mapped to their pods, and one system metric with four weeks of data.

The incident follows the structure of a real one (a false "payment failed" banner shown to
admins on several pods in March 2024): impact from 19:00 UTC on March 20 to 01:07 UTC on
March 21, and five updates, with an Italian translation marked as machine-made. Loaded through
the services, like any staff input.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from incidents import services
from incidents.metrics import services as metrics
from incidents.metrics.models import Metric, MetricProvider, ProviderType
from incidents.models import (
    Component,
    ComponentGroup,
    ComponentStatus,
    Incident,
    IncidentStatus,
    IncidentTemplate,
    Postmortem,
    RemediationState,
    Translation,
)
from incidents.pods.models import AccountPod
from incidents.pods.services import account_upsert

PODS = ["Pod 13", "Pod 14", "Pod 17", "Pod 18", "Pod 19", "Pod 20"]
PRODUCTS = [
    ("Support", "Ticketing, agent workspace and the admin center."),
    ("Billing", "Subscriptions, invoices and payment methods."),
    ("Messaging", "Web and mobile messaging, and in-product notices."),
    ("Help Center", "Public knowledge base and community."),
    ("Voice", "Calls, IVR and voicemail."),
]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


INCIDENT_NAME = "Admins shown a false “payment failed” banner"
INCIDENT_STARTED = utc(2024, 3, 20, 19, 0)
INCIDENT_ENDED = utc(2024, 3, 21, 1, 7)
INCIDENT_SUMMARY = (
    "From 19:00 UTC on March 20 until 01:07 UTC on March 21, 2024, admins of some accounts "
    "on several pods saw an in-product banner saying that a payment had failed. Their "
    "accounts were in good standing, with nothing overdue. The banner asked them to contact "
    "their account owner about a payment problem that did not exist, which caused needless "
    "worry and extra work."
)
UPDATES = [
    (
        utc(2024, 3, 20, 20, 59),
        IncidentStatus.INVESTIGATING,
        "We are looking into reports of admins seeing a “payment failed” banner although "
        "their accounts are paid up. We will post again as soon as we know more.",
    ),
    (
        utc(2024, 3, 20, 21, 28),
        IncidentStatus.INVESTIGATING,
        "Our engineers are still working out why the wrong “payment failed” banner appears "
        "on accounts in good standing. Next update within the hour, sooner if we learn more.",
    ),
    (
        utc(2024, 3, 20, 22, 26),
        IncidentStatus.INVESTIGATING,
        "Removing the false “payment failed” banner remains our engineers' top priority. "
        "We will share news here as soon as we have it.",
    ),
    (
        utc(2024, 3, 21, 1, 59),
        IncidentStatus.MONITORING,
        "A configuration change is now live that stops the wrong “payment failed” banner "
        "from showing. Affected accounts are recovering and we are keeping a close watch. "
        "A final update will follow.",
    ),
]
RESOLUTION = (
    utc(2024, 3, 21, 15, 35),
    "The false “payment failed” banner is fixed: admins of accounts in good standing no "
    "longer see it. We are now looking into the root cause so that it cannot happen again. "
    "Thank you for your patience while we worked on it.",
)
AFFECTED = ["Pod 13", "Pod 17", "Billing"]

POSTMORTEM_ROOT_CAUSE = (
    "An internal service decides which customers see which in-product messages. A routine "
    "change to it dropped one condition by mistake: the check of an account's payment "
    "status. Without that check, the “payment failed” banner was aimed at a far wider group "
    "of accounts than the ones actually behind on payment."
)
POSTMORTEM_RESOLUTION = (
    "We switched the faulty banner off at about 00:45 UTC on March 21, so no further admins "
    "were shown it. A configuration change then cleared it from the accounts that still "
    "displayed it, and we watched recovery until the end of the impact at 01:07 UTC."
)
POSTMORTEM_REMEDIATION = [
    (
        "Review how we pick the audience of in-product messages so that payment status is "
        "always part of the decision, and confirm that the payment data it relies on is "
        "accurate and current.",
        RemediationState.DONE,
        "Billing team",
        None,
    ),
    (
        "Require a second review, and checks before and after release, for every change to "
        "the rules that target in-product messages.",
        RemediationState.IN_PROGRESS,
        "Messaging team",
        None,
    ),
    (
        "Alert when an in-product message suddenly reaches many more accounts than usual, so "
        "that a wrong audience is caught within minutes.",
        RemediationState.PLANNED,
        "Observability team",
        None,
    ),
]

# Accounts readers can look up on /my/ (their subdomains), and their pods.
ACCOUNTS = [("acme", "Pod 13"), ("globex", "Pod 14"), ("initech", "Pod 17"), ("umbrella", "Pod 18")]

# The Italian version of the incident, as a machine translation would give it (and marked so:
# the page says the English is authoritative).
ITALIAN = {
    "name": "Agli amministratori compare un falso avviso di “pagamento non riuscito”",
    "summary": (
        "Dalle 19:00 UTC del 20 marzo fino alle 01:07 UTC del 21 marzo 2024, gli amministratori "
        "di alcuni account su diversi pod hanno visto nel prodotto un avviso secondo cui un "
        "pagamento non era andato a buon fine. I loro account erano in regola e non avevano "
        "nulla in sospeso. L'avviso chiedeva di rivolgersi al titolare dell'account per un "
        "problema di pagamento inesistente, causando preoccupazione e lavoro inutili."
    ),
    "updates": [
        "Stiamo verificando le segnalazioni di amministratori che vedono un avviso di "
        "“pagamento non riuscito” anche se i loro account sono in regola con i pagamenti. "
        "Pubblicheremo un nuovo aggiornamento non appena avremo altre informazioni.",
        "I nostri tecnici stanno ancora cercando di capire perché l'avviso errato di "
        "“pagamento non riuscito” compare su account in regola. Il prossimo aggiornamento "
        "arriverà entro un'ora, o prima se sapremo di più.",
        "Eliminare il falso avviso di “pagamento non riuscito” resta la priorità principale "
        "dei nostri tecnici. Condivideremo qui le novità appena disponibili.",
        "È attiva una modifica di configurazione che impedisce la comparsa dell'avviso errato "
        "di “pagamento non riuscito”. Gli account interessati stanno tornando alla normalità e "
        "continuiamo a tenere la situazione sotto stretto controllo. Seguirà un aggiornamento "
        "finale.",
        "Il falso avviso di “pagamento non riuscito” è stato corretto: gli amministratori di "
        "account in regola non lo vedono più. Ora stiamo analizzando la causa principale per "
        "evitare che si ripeta. Grazie per la pazienza dimostrata mentre lavoravamo alla "
        "soluzione.",
    ],
    "root_cause": (
        "Un servizio interno stabilisce quali clienti vedono quali messaggi all'interno del "
        "prodotto. Una modifica di routine a questo servizio ha eliminato per errore una "
        "condizione: il controllo dello stato dei pagamenti dell'account. Senza quel controllo, "
        "l'avviso di “pagamento non riuscito” è stato indirizzato a un gruppo di account molto "
        "più ampio di quelli realmente in ritardo con i pagamenti."
    ),
    "resolution": (
        "Abbiamo disattivato l'avviso difettoso verso le 00:45 UTC del 21 marzo, così che "
        "nessun altro amministratore lo vedesse. Una modifica di configurazione lo ha poi "
        "rimosso dagli account che lo mostravano ancora, e abbiamo seguito il ripristino fino "
        "alla fine dell'impatto alle 01:07 UTC."
    ),
    "remediation": [
        "Rivedere il modo in cui scegliamo il pubblico dei messaggi nel prodotto, in modo che "
        "lo stato dei pagamenti faccia sempre parte della decisione, e verificare che i dati "
        "di pagamento su cui si basa siano accurati e aggiornati.",
        "Richiedere una seconda revisione, e controlli prima e dopo il rilascio, per ogni "
        "modifica alle regole che indirizzano i messaggi nel prodotto.",
        "Inviare un avviso quando un messaggio nel prodotto raggiunge all'improvviso molti più "
        "account del solito, così da individuare un pubblico sbagliato in pochi minuti.",
    ],
}

MAINTENANCE_NAME = "Database upgrade on Pod 17"
MAINTENANCE_BODY = (
    "We will upgrade the database servers of Pod 17. Accounts on Pod 17 may see slower "
    "responses and brief errors during the window; nothing needs to be done on your side."
)
TEMPLATES = [
    (
        "Investigating: elevated errors",
        "Elevated error rates",
        IncidentStatus.INVESTIGATING,
        "We are investigating reports of errors for some customers. We will post an update "
        "within the hour, sooner if we learn more.",
    ),
    (
        "Identified: fix in progress",
        "Fix in progress",
        IncidentStatus.IDENTIFIED,
        "We have found the cause and are rolling out a fix. Next update once it is live.",
    ),
    (
        "Resolved",
        "Resolved",
        IncidentStatus.RESOLVED,
        "The issue is resolved and everything is working as expected. Thank you for your "
        "patience. A postmortem will follow.",
    ),
]


@transaction.atomic
def load_demo() -> bool:
    """Creates the demo data where it is missing; returns whether anything was created."""
    components = _components()
    incident = Incident.objects.filter(name=INCIDENT_NAME, started_at=INCIDENT_STARTED).first()
    created = incident is None
    if incident is None:
        incident = _incident(components)
    if not Postmortem.objects.filter(incident=incident).exists():
        _postmortem(incident)
        created = True
    if not Translation.objects.filter(incident=incident, language="it").exists():
        _italian(incident)
        created = True
    if not Incident.objects.maintenances().filter(name=MAINTENANCE_NAME).exists():
        _maintenance(components)
        created = True
    for name, title, status, body in TEMPLATES:
        if not IncidentTemplate.objects.filter(name=name).exists():
            services.incident_template_save(
                IncidentTemplate(name=name, title=title, status=status, body=body)
            )
            created = True
    for identifier, pod in ACCOUNTS:
        # Only where missing: an operator may have moved a demo account since.
        if not AccountPod.objects.filter(identifier=identifier).exists():
            account_upsert(identifier, components[pod])
            created = True
    if not Metric.objects.filter(name=METRIC_NAME).exists():
        _metric(components)
        created = True
    return created


METRIC_NAME = "Agent workspace response time"
METRIC_TOOLTIP = "Median time the agent workspace takes to answer, measured from outside."


def _metric(components: dict[str, Component]) -> Metric:
    """A pushed metric with the last four weeks of data, as a monitor would have sent it: a
    point an hour, every five minutes over the last day, the busy hours slower, and three
    hours missing ten days ago (the chart shows the gap)."""
    provider = MetricProvider.objects.filter(type=ProviderType.SELF).first()
    if provider is None:
        provider = metrics.provider_save(MetricProvider(type=ProviderType.SELF))
    metric = metrics.metric_save(
        Metric(provider=provider, name=METRIC_NAME, suffix="ms", decimal_places=0,
               y_axis_min=0, tooltip_description=METRIC_TOOLTIP),
        components=[components["Support"], components["Pod 13"]],
    )  # fmt: skip
    now = timezone.now()
    end = int(now.timestamp()) // 300 * 300
    hourly = range(end - 27 * 86400, end - 86400, 3600)
    recent = range(end - 86400, end + 1, 300)
    gap = range(end - 10 * 86400, end - 10 * 86400 + 3 * 3600)
    points = [(at, _response_time(at)) for at in [*hourly, *recent] if at not in gap]
    metrics.metric_data_add({metric: points}, now=now)
    return metric


def _response_time(at: int) -> float:
    """Milliseconds: about 180, up to 60 more in the working hours of UTC, and a little
    jitter that is the same on every run."""
    hour = at % 86400 / 3600
    busy = max(0.0, math.sin((hour - 6) / 12 * math.pi))
    return round(180 + 60 * busy + (at * 7919 % 23), 1)


def _incident(components: dict[str, Component]) -> Incident:
    first_at, first_status, first_body = UPDATES[0]
    incident = services.incident_create(
        name=INCIDENT_NAME,
        status=first_status,
        body=first_body,
        summary=INCIDENT_SUMMARY,
        started_at=INCIDENT_STARTED,
        display_at=first_at,
        components={components[n]: ComponentStatus.DEGRADED_PERFORMANCE for n in AFFECTED},
        deliver_notifications=False,
    )
    for display_at, status, body in UPDATES[1:]:
        services.update_post(
            incident, status=status, body=body, display_at=display_at, deliver_notifications=False
        )
    resolved_display_at, resolution = RESOLUTION
    services.incident_resolve(
        incident,
        body=resolution,
        display_at=resolved_display_at,
        resolved_at=INCIDENT_ENDED,
        deliver_notifications=False,
    )
    return incident


def _postmortem(incident: Incident) -> Postmortem:
    postmortem = services.postmortem_save_draft(
        incident, root_cause=POSTMORTEM_ROOT_CAUSE, resolution=POSTMORTEM_RESOLUTION
    )
    for description, state, owner, due_date in POSTMORTEM_REMEDIATION:
        services.remediation_item_add(
            postmortem, description=description, state=state, owner=owner, due_date=due_date
        )
    return services.postmortem_publish(postmortem)


def _italian(incident: Incident) -> None:
    """The Italian translation of the incident, marked as made by machine translation."""

    def save(obj, field, text):
        services.translation_save(obj, field=field, language="it", text=text, machine=True)

    save(incident, "name", ITALIAN["name"])
    save(incident, "summary", ITALIAN["summary"])
    for update, text in zip(
        incident.updates.order_by("display_at"), ITALIAN["updates"], strict=True
    ):
        save(update, "body", text)
    postmortem = incident.postmortem
    save(postmortem, "root_cause", ITALIAN["root_cause"])
    save(postmortem, "resolution", ITALIAN["resolution"])
    items = postmortem.remediation_items.order_by("position")
    for item, text in zip(items, ITALIAN["remediation"], strict=True):
        save(item, "description", text)


def _maintenance(components: dict[str, Component]) -> Incident:
    """A two-hour window a week from now, starting at 15:30 UTC."""
    start = (timezone.now() + timedelta(days=7)).replace(
        hour=15, minute=30, second=0, microsecond=0
    )
    return services.maintenance_schedule(
        name=MAINTENANCE_NAME,
        body=MAINTENANCE_BODY,
        scheduled_for=start,
        scheduled_until=start + timedelta(hours=2),
        components=[components["Pod 17"]],
        deliver_notifications=False,
    )


def _components() -> dict[str, Component]:
    found = {}
    for position, (group_name, items) in enumerate(
        [(settings.STATUS_POD_GROUP, [(name, "") for name in PODS]), ("Products", PRODUCTS)]
    ):
        group = ComponentGroup.objects.filter(name=group_name).first()
        if group is None:
            group = services.group_save(ComponentGroup(name=group_name, position=position))
        for index, (name, description) in enumerate(items):
            component = Component.objects.filter(group=group, name=name).first()
            if component is None:
                component = services.component_save(
                    Component(group=group, name=name, description=description, position=index)
                )
            found[name] = component
    return found
