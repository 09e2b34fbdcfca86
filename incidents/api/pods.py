"""Management API for the account → pod mapping, next to Statuspage's v1 endpoints and
authenticated the same way. Identifiers only come in: no endpoint lists them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Router, Schema, Status
from pydantic import Field

from ..models import Component
from ..pods import services
from ..pods.models import AccountPod
from ..statuspage_json import timestamp
from .auth import OAuthKey
from .schemas import ERRORS, Strict, Timestamp

router = Router(auth=OAuthKey(), tags=["management"])
MAX_BULK = 10_000


class AccountFields(Strict):
    identifier: str = Field(
        max_length=255,
        description="The account's subdomain, or an address (`https://acme.example.com`); "
        "stored normalized (`acme`).",
    )
    pod_id: str = Field(max_length=64, description="The id of a component of the pods group.")


class AccountRequest(Strict):
    account: AccountFields


class AccountsRequest(Strict):
    accounts: list[AccountFields] = Field(min_length=1, max_length=MAX_BULK)


class Account(Schema):
    identifier: str
    pod_id: str
    created_at: Timestamp
    updated_at: Timestamp


class AccountsImported(Schema):
    created: int
    updated: int
    unchanged: int


def _page(page_id: str) -> None:
    if page_id != settings.STATUSPAGE_PAGE_ID:
        raise Http404


def _require_upsert(request) -> None:
    if not (
        request.user.has_perm("pods.add_accountpod")
        and request.user.has_perm("pods.change_accountpod")
    ):
        raise PermissionDenied("This key's user may not do that.")


def _account(account: AccountPod) -> dict:
    return {
        "identifier": account.identifier,
        "pod_id": account.pod.public_id,
        "created_at": timestamp(account.created_at),
        "updated_at": timestamp(account.updated_at),
    }


@router.api_operation(
    ["POST", "PUT"],
    "{page_id}/accounts",
    response={200: Account, 201: Account, **ERRORS},
    summary="Map an account to its pod",
)
def upsert_account(request, page_id: str, body: AccountRequest):
    """Creates the mapping (201) or moves the account to the pod given (200)."""
    _page(page_id)
    _require_upsert(request)
    fields = body.account
    pod = Component.objects.select_related("group").filter(public_id=fields.pod_id).first()
    if pod is None:
        raise ValidationError({"pod_id": "No component has that id."})
    account, created = services.account_upsert(fields.identifier, pod, actor=request.user)
    return Status(201 if created else 200, _account(account))


@router.post(
    "{page_id}/accounts/bulk",
    response={200: AccountsImported, **ERRORS},
    summary="Map many accounts to their pods",
)
def upsert_accounts(request, page_id: str, body: AccountsRequest):
    """All or nothing: with any bad entry nothing changes, and the 422 names every bad entry
    by its index. Accounts not named are left as they are."""
    _page(page_id)
    _require_upsert(request)
    rows = [(index, item.identifier, item.pod_id) for index, item in enumerate(body.accounts)]
    try:
        result = services.accounts_import(rows, actor=request.user)
    except services.ImportRejected as error:
        raise ValidationError(
            [f"accounts[{row.line}]: {row.message}" for row in error.rows[:50]]
        ) from None
    return vars(result)
