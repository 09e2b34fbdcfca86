"""Sign-up, confirmation, preferences and unsubscribe pages.

/subscribe/ is never cached and carries its own CSRF token; the compact forms on the cached
status and incident pages only send the visitor here with GET (`?email=...&incident=...`),
so those pages stay the same for everyone. Confirmation, manage and unsubscribe links are
signed; a bad link of any kind (forged, expired, superseded, naming nobody) gets one answer.
The one exception: a genuine confirmation link opened again once its subscription is active
says so, with a link to manage it, so that nobody who clicks twice thinks it failed.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import is_ratelimited

from incidents.forms import add_service_error
from incidents.models import Component

from . import tokens
from .forms import PreferencesForm, SubscribeForm
from .models import Subscriber, SubscriberState
from .services import subscribers as service

MAX_PRESELECTED = 200


def invalid_link(request):
    return render(request, "notifications/invalid_link.html", status=400)


def _limited(request, group: str, key) -> bool:
    return is_ratelimited(
        request, group=group, key=key, rate=settings.SUBSCRIBE_RATE, increment=True
    )


@never_cache
@require_http_methods(["GET", "POST"])
def subscribe(request):
    if request.method == "GET":
        initial = {"email": request.GET.get("email", "")[:254], "language": request.LANGUAGE_CODE}
        incident = request.GET.get("incident", "")
        if incident:
            initial["incident"] = incident[:12]
        # `?components=<id>&components=<id>` ticks those components (a pod's page sends its own).
        wanted = [value[:12] for value in request.GET.getlist("components")[:MAX_PRESELECTED]]
        if wanted:
            initial["components"] = list(Component.objects.filter(public_id__in=wanted))
        form = SubscribeForm(initial=initial)
        return render(request, "notifications/subscribe.html", {"form": form})
    if _limited(request, "notifications.subscribe.ip", "ip"):
        return render(request, "notifications/rate_limited.html", status=429)
    form = SubscribeForm(request.POST)
    if form.is_valid():
        try:
            address = service.normalize_email(form.cleaned_data["email"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            # Over the per-address limit the answer is the same, and nothing is sent.
            if not _limited(request, "notifications.subscribe.address", lambda g, r: address):
                try:
                    service.subscriber_request_later(**form.service_kwargs())
                except ValidationError as error:
                    add_service_error(form, error)
            if not form.errors:
                return redirect("notifications:sent")
    return render(request, "notifications/subscribe.html", {"form": form}, status=400)


@require_safe
def sent(request):
    return render(request, "notifications/sent.html")


def _choices(subscriber: Subscriber) -> dict:
    """What a subscriber chose, as the confirmation pages show it (no component: all)."""
    return {
        "subscriber": subscriber,
        "components": list(
            subscriber.components.select_related("group").order_by(
                "group__position", "group__name", "position", "name"
            )
        ),
        "followed": list(subscriber.incidents.all()),
        "language_name": dict(settings.LANGUAGES).get(subscriber.language, subscriber.language),
    }


def _with_manage_link(subscriber: Subscriber) -> dict:
    return {**_choices(subscriber), "manage_token": tokens.make_token(subscriber, tokens.MANAGE)}


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    """GET shows what is about to be confirmed (a link scanner's GET changes nothing); POST
    confirms. A link used already answers "already confirmed": 200 to a GET, 400 to a POST,
    which changed nothing."""
    try:
        if request.method == "GET":
            subscriber = service.subscriber_for_confirmation(token)
            return render(request, "notifications/confirm.html", _choices(subscriber))
        subscriber = service.subscriber_confirm(token)
    except tokens.AlreadyConfirmed as used:
        status = 200 if request.method == "GET" else 400
        context = _with_manage_link(used.subscriber)
        return render(request, "notifications/already_confirmed.html", context, status=status)
    except tokens.BadToken:
        return invalid_link(request)
    return render(request, "notifications/confirmed.html", _with_manage_link(subscriber))


@never_cache
@require_http_methods(["GET", "POST"])
def manage(request, token: str):
    try:
        subscriber = service.subscriber_for_token(token, tokens.MANAGE)
    except tokens.BadToken:
        return invalid_link(request)
    if subscriber.state != SubscriberState.ACTIVE:
        return render(request, "notifications/inactive.html", status=410)
    saved = False
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            try:
                subscriber = service.subscriber_update_preferences(
                    subscriber,
                    language=form.cleaned_data["language"],
                    components=list(form.cleaned_data["components"]),
                    incidents_only=form.cleaned_data["incidents_only"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                saved = True
    else:
        form = PreferencesForm(
            initial={
                "language": subscriber.language,
                "components": list(subscriber.components.all()),
                "incidents_only": subscriber.incidents_only,
            }
        )
    context = {
        "form": form,
        "saved": saved,
        "subscriber": subscriber,
        "followed": subscriber.incidents.all(),
        "unsubscribe_token": tokens.make_token(subscriber, tokens.UNSUBSCRIBE),
    }
    return render(request, "notifications/manage.html", context, status=400 if form.errors else 200)


@csrf_exempt  # RFC 8058 one-click: mail clients POST without cookies; the signed token decides
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        subscriber = service.subscriber_for_token(token, tokens.UNSUBSCRIBE)
    except tokens.BadToken:
        return invalid_link(request)
    if request.method == "GET":
        if subscriber.state == SubscriberState.UNSUBSCRIBED:
            return render(request, "notifications/unsubscribed.html")
        return render(request, "notifications/unsubscribe.html")
    service.subscriber_unsubscribe(subscriber)
    return render(request, "notifications/unsubscribed.html")
