"""Postmortems: drafted privately, published on purpose, reverted to draft when needed.

The text sections change only while the postmortem is a draft. Remediation items may change
at any time: their progress (planned → in progress → done) is meant to be followed publicly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..events import Event, emit, snapshot
from ..models import (
    Incident,
    IncidentKind,
    Postmortem,
    PostmortemStatus,
    RemediationItem,
    RemediationState,
)

TEXT_FIELDS = ("root_cause", "resolution", "body", "show_pending")


def _validate_state(state: str) -> None:
    if state not in RemediationState.values:
        raise ValidationError(
            {
                "state": _("“%(state)s” is not a remediation state. Use one of: %(values)s.")
                % {"state": state, "values": ", ".join(RemediationState.values)}
            }
        )


@transaction.atomic
def postmortem_save_draft(
    incident: Incident,
    *,
    root_cause: str | None = None,
    resolution: str | None = None,
    body: str | None = None,
    show_pending: bool | None = None,
    actor=None,
) -> Postmortem:
    """Creates the incident's postmortem as a draft, or changes its draft text.

    Arguments left as None keep their value. A published postmortem is refused: revert it to
    draft first, so that nothing unreviewed reaches the public page.
    """
    if incident.kind != IncidentKind.INCIDENT:
        raise ValidationError(_("Scheduled maintenance has no postmortem."))
    postmortem, _created = Postmortem.objects.select_for_update().get_or_create(incident=incident)
    if postmortem.is_published:
        raise ValidationError(_("This postmortem is published. Revert it to draft to change it."))
    changes = {
        "root_cause": root_cause,
        "resolution": resolution,
        "body": body,
        "show_pending": show_pending,
    }
    before = snapshot(postmortem) if postmortem.pk else None
    for field, value in changes.items():
        if value is not None:
            setattr(postmortem, field, value.strip() if isinstance(value, str) else value)
    postmortem.full_clean()
    postmortem.save()
    # The "postmortem pending" notice is public.
    after = snapshot(postmortem)
    emit(Event("postmortem.draft", postmortem, actor=actor, before=before, after=after))
    return postmortem


@transaction.atomic
def postmortem_publish(postmortem: Postmortem, *, notify: bool = True, actor=None) -> Postmortem:
    """Publishes a draft postmortem and records who published it and when.

    Refused (nothing changes) when it has no text in any section, when the incident is still
    open, or when it is already published. The notification telling its followers is
    recorded once, for staff to review; with `notify=False` none is.
    """
    postmortem = Postmortem.objects.select_related("incident").get(pk=postmortem.pk)
    if postmortem.is_empty:
        raise ValidationError(
            _("The postmortem is empty. Write the root cause, the resolution or details first.")
        )
    if postmortem.incident.is_open:
        raise ValidationError(_("Resolve the incident before publishing its postmortem."))
    now = timezone.now()
    publisher = actor if getattr(actor, "pk", None) else None
    claimed = Postmortem.objects.filter(pk=postmortem.pk, status=PostmortemStatus.DRAFT).update(
        status=PostmortemStatus.PUBLISHED, published_at=now, published_by=publisher, updated_at=now
    )
    if not claimed:
        raise ValidationError(_("This postmortem is already published."))
    postmortem.refresh_from_db()
    recorded = emit(
        Event("postmortem.publish", postmortem, actor=actor,
              after={**snapshot(postmortem), "notify": notify}, text_of=postmortem.incident,
              notify=notify)
    )  # fmt: skip
    postmortem.notification = recorded.get("notification")
    return postmortem


@transaction.atomic
def postmortem_delete(postmortem: Postmortem, *, actor=None) -> None:
    """Deletes a draft postmortem and its remediation items. A published one is refused:
    revert it to draft first, so that nothing disappears from the public page unseen."""
    postmortem = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
    if postmortem.is_published:
        raise ValidationError(_("This postmortem is published. Revert it to draft to delete it."))
    emit(Event("postmortem.delete", postmortem, actor=actor, before=snapshot(postmortem)))
    postmortem.delete()


@transaction.atomic
def postmortem_revert(postmortem: Postmortem, *, actor=None) -> Postmortem:
    """Takes a published postmortem off the public page, back to draft."""
    now = timezone.now()
    claimed = Postmortem.objects.filter(pk=postmortem.pk, status=PostmortemStatus.PUBLISHED).update(
        status=PostmortemStatus.DRAFT, published_at=None, published_by=None, updated_at=now
    )
    if not claimed:
        raise ValidationError(_("This postmortem is a draft already."))
    postmortem.refresh_from_db()
    emit(Event("postmortem.revert", postmortem, actor=actor, after={"status": postmortem.status}))
    return postmortem


@transaction.atomic
def remediation_item_add(
    postmortem: Postmortem,
    *,
    description: str,
    state: str = RemediationState.PLANNED,
    owner: str = "",
    due_date: date | None = None,
    actor=None,
) -> RemediationItem:
    """Appends an item to the postmortem's remediation list; an unknown state is refused."""
    _validate_state(state)
    postmortem = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
    last = postmortem.remediation_items.order_by("-position").first()
    item = RemediationItem(
        postmortem=postmortem,
        position=(last.position + 1) if last else 0,
        description=(description or "").strip(),
        state=state,
        owner=(owner or "").strip(),
        due_date=due_date,
    )
    item.full_clean()
    item.save()
    emit(Event("remediation.save", item, actor=actor, after=snapshot(item)))
    return item


REMEDIATION_FIELDS = ("description", "state", "owner", "due_date")


@transaction.atomic
def remediation_item_update(item: RemediationItem, *, actor=None, **changes) -> RemediationItem:
    """Changes an item's description, state, owner or due date; an unknown state is refused."""
    unknown = set(changes) - set(REMEDIATION_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be edited: %s") % ", ".join(sorted(unknown)))
    if "state" in changes:
        _validate_state(changes["state"])
    item = RemediationItem.objects.select_for_update().get(pk=item.pk)
    for field, value in changes.items():
        setattr(item, field, value.strip() if isinstance(value, str) else value)
    item.full_clean()
    item.save()
    emit(Event("remediation.save", item, actor=actor, after=snapshot(item)))
    return item


@transaction.atomic
def remediation_item_delete(item: RemediationItem, *, actor=None) -> None:
    """Removes an item from the remediation list."""
    emit(Event("remediation.delete", item, actor=actor, before=snapshot(item)))
    RemediationItem.objects.filter(pk=item.pk).delete()


@transaction.atomic
def remediation_items_reorder(
    postmortem: Postmortem, item_ids: Sequence[int], *, actor=None
) -> list[RemediationItem]:
    """Puts the items in the order of `item_ids`, which must list each item exactly once."""
    postmortem = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
    items = {item.pk: item for item in postmortem.remediation_items.all()}
    if sorted(item_ids) != sorted(items):
        raise ValidationError(_("List every remediation item of this postmortem exactly once."))
    for position, pk in enumerate(item_ids):
        items[pk].position = position
    RemediationItem.objects.bulk_update(items.values(), ["position"])
    emit(Event("remediation.reorder", postmortem, actor=actor, after={"order": list(item_ids)}))
    return [items[pk] for pk in item_ids]
