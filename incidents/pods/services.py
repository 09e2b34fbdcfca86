"""Writes of the account → pod mapping. The admin, the CSV import command and the management
API call these; none of them saves an AccountPod on its own.

Identifiers are customer data: error messages name the line or the field, never the value.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from incidents.events import Event, emit, snapshot, stored
from incidents.models import Component

from . import selectors
from .links import pod_slug
from .models import MAX_IDENTIFIER_LENGTH, AccountPod

_IDENTIFIER = re.compile(r"^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$")
HEADER_NAMES = {"identifier", "account", "subdomain"}
BATCH_SIZE = 500
MAX_REPORTED_ERRORS = 50


def normalize_identifier(value: str) -> str:
    """The stored form of what a customer or an operator types for an account.

    Surrounding space and case are dropped, and an address is reduced to its first label:
    `https://Acme.example.com/agent` and `acme.example.com` both give `acme`. A non-ASCII
    subdomain becomes its punycode. Raises ValidationError when nothing usable remains.
    """
    text = (value or "").strip().lower()
    if not text:
        raise ValidationError(_("Enter an account identifier."), code="required")
    try:
        # A scheme-less value parses as a network location too (`acme.example.com:443/x`).
        host = urlsplit(text if "://" in text else f"//{text}").hostname or ""
    except ValueError:
        host = ""
    label = host.strip(".").split(".", 1)[0]
    if label and not label.isascii():
        try:
            label = label.encode("idna").decode("ascii")
        except UnicodeError:
            label = ""
    if not label or len(label) > MAX_IDENTIFIER_LENGTH or not _IDENTIFIER.match(label):
        raise ValidationError(
            _("An account identifier is a subdomain such as “acme”, or a full address."),
            code="invalid",
        )
    return label


def _require_pod(pod: Component) -> None:
    if pod is None or not selectors.is_pod(pod):
        raise ValidationError({"pod": _("Choose a component of the pods group.")})


@transaction.atomic
def account_save(account: AccountPod, *, actor=None) -> AccountPod:
    """Creates or updates one mapping as given (the admin's form), identifier normalized.

    A bad identifier, one already mapped elsewhere, or a component that is not a pod is
    refused and nothing changes.
    """
    account.identifier = normalize_identifier(account.identifier)
    _require_pod(account.pod if account.pod_id else None)
    before = stored(AccountPod, account.pk)
    account.full_clean()
    account.save()
    action = "account.update" if before else "account.create"
    emit(Event(action, account, actor=actor, before=before, after=snapshot(account)))
    return account


@transaction.atomic
def account_upsert(identifier: str, pod: Component, *, actor=None) -> tuple[AccountPod, bool]:
    """Maps the (normalized) identifier to `pod`, creating the mapping or moving it; returns
    it and whether it was created. Refused, changing nothing, for a bad identifier or a
    component that is not a pod."""
    normalized = normalize_identifier(identifier)
    _require_pod(pod)
    account, created = AccountPod.objects.select_for_update().get_or_create(
        identifier=normalized, defaults={"pod": pod}
    )
    if created:
        emit(Event("account.create", account, actor=actor, after=snapshot(account)))
    elif account.pod_id != pod.pk:
        before = snapshot(account)
        account.pod = pod
        account.save(update_fields=["pod", "updated_at"])
        emit(Event("account.update", account, actor=actor, before=before, after=snapshot(account)))
    return account, created


@transaction.atomic
def account_delete(account: AccountPod, *, actor=None) -> None:
    """Removes one mapping; the reader of that account then gets the generic answer."""
    emit(Event("account.delete", account, actor=actor, before=snapshot(account)))
    account.delete()


@dataclass(frozen=True)
class RowError:
    line: int | None  # None: the file or batch as a whole
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message[:1].upper() + self.message[1:]
        return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class ImportRejected(ValidationError):
    """A file or a batch with at least one bad row: nothing of it was applied."""

    def __init__(self, rows: list[RowError]):
        self.rows = rows
        messages = [str(row) for row in rows[:MAX_REPORTED_ERRORS]]
        if len(rows) > MAX_REPORTED_ERRORS:
            messages.append(
                _("… and %(count)d more lines with errors.")
                % {"count": len(rows) - MAX_REPORTED_ERRORS}
            )
        super().__init__(messages, code="rejected")


@dataclass
class _Pods:
    """Finds a pod by public id, name or slug ("Pod 13", "pod-13")."""

    by_key: dict[str, Component] = field(default_factory=dict)

    @classmethod
    def load(cls) -> _Pods:
        found = cls()
        # Reversed, so that the first pod by position wins a clash of slugs.
        for pod in reversed(list(selectors.pods())):
            found.by_key[pod_slug(pod)] = pod
            found.by_key[pod.public_id] = pod
        return found

    def get(self, reference: str) -> Component | None:
        reference = (reference or "").strip()
        return self.by_key.get(reference) or self.by_key.get(slugify(reference))


def accounts_import(rows: Iterable[tuple[int, str, str]], *, actor=None) -> ImportResult:
    """Upserts many mappings, given as (line, identifier, pod) with the pod as its public id,
    name or slug. All or nothing: when any row is bad (bad identifier, unknown pod, the same
    account twice with different pods, or no row at all) ImportRejected lists every bad line
    and nothing is written. Mappings not named are left as they are."""
    return _import(rows, [], actor)


@transaction.atomic
def _import(
    rows: Iterable[tuple[int, str, str]], errors: list[RowError], actor=None
) -> ImportResult:
    pods = _Pods.load()
    wanted: dict[str, tuple[int, Component]] = {}
    for line, identifier, reference in rows:
        try:
            normalized = normalize_identifier(identifier)
        except ValidationError as error:
            errors.append(RowError(line, " ".join(error.messages)))
            continue
        pod = pods.get(reference)
        if pod is None:
            errors.append(RowError(line, _("there is no pod “%(pod)s”.") % {"pod": reference}))
            continue
        first = wanted.setdefault(normalized, (line, pod))
        if first[1] != pod:
            errors.append(
                RowError(
                    line,
                    _("the same account is on line %(line)d with another pod.")
                    % {"line": first[0]},
                )
            )
    if not wanted and not errors:
        errors.append(RowError(None, _("there is no account to import.")))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda row: row.line or 0))

    identifiers = list(wanted)
    existing: dict[str, AccountPod] = {}
    for start in range(0, len(identifiers), BATCH_SIZE):
        batch = identifiers[start : start + BATCH_SIZE]
        existing.update(
            (account.identifier, account)
            for account in AccountPod.objects.select_for_update().filter(identifier__in=batch)
        )
    result = ImportResult()
    now = timezone.now()
    new, moved = [], []
    for identifier, (_line, pod) in wanted.items():
        account = existing.get(identifier)
        if account is None:
            new.append(AccountPod(identifier=identifier, pod=pod))
        elif account.pod_id != pod.pk:
            account.pod, account.updated_at = pod, now
            moved.append(account)
        else:
            result.unchanged += 1
    try:
        with transaction.atomic():
            AccountPod.objects.bulk_create(new, batch_size=BATCH_SIZE)
    except IntegrityError:
        raise ValidationError(
            _("Some of these accounts were added meanwhile. Nothing was imported; try again.")
        ) from None
    AccountPod.objects.bulk_update(moved, ["pod", "updated_at"], batch_size=BATCH_SIZE)
    result.created, result.updated = len(new), len(moved)
    # One entry for the whole import: the counts, never the customers' identifiers.
    emit(
        Event("accounts.import", actor=actor,
              after={"created": result.created, "updated": result.updated,
                     "unchanged": result.unchanged})
    )  # fmt: skip
    return result


def _csv_rows(content: bytes | str) -> tuple[list[tuple[int, str, str]], list[RowError]]:
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportRejected([RowError(None, _("the file is not UTF-8 text."))]) from None
    reader = csv.reader(io.StringIO(content))
    rows: list[tuple[int, str, str]] = []
    errors: list[RowError] = []
    first = True
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if first and cells[0].strip().lower() in HEADER_NAMES:
                first = False
                continue
            first = False
            if len(cells) < 2:
                errors.append(RowError(reader.line_num, _("expected two columns: account, pod.")))
                continue
            rows.append((reader.line_num, cells[0], cells[1]))
    except csv.Error as error:
        errors.append(
            RowError(reader.line_num, _("not a CSV line (%(error)s).") % {"error": error})
        )
    return rows, errors


def accounts_import_csv(content: bytes | str, *, actor=None) -> ImportResult:
    """Imports a CSV file of `account,pod` lines (an optional header line first; the pod as
    its name, slug or public id; further columns ignored), with the guarantees of
    `accounts_import`: all of it or, with any bad line, none of it."""
    rows, errors = _csv_rows(content)
    return _import(rows, errors, actor)
