from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.models import Component
from incidents.models.base import Timestamped

from .links import pod_url

# A DNS label is at most 63 characters; other account identifiers (numeric ids, slugs) fit too.
MAX_IDENTIFIER_LENGTH = 63


class AccountPod(Timestamped):
    """Which pod hosts a customer's account, so that `/my/` can send the reader to its page.

    The identifier is customer data: it never appears on a public page, in the public API or
    in the logs; only the pod's page is shown.
    """

    identifier = models.CharField(
        _("account identifier"),
        max_length=MAX_IDENTIFIER_LENGTH,
        # The unique index also serves the lookup: WHERE identifier = %s.
        unique=True,
        help_text=_(
            "The account's subdomain or id, stored normalized: lower case, and a full address "
            "such as https://acme.example.com reduced to “acme”."
        ),
    )
    pod = models.ForeignKey(
        Component,
        verbose_name=_("pod"),
        related_name="accounts",
        # A pod that is removed takes its accounts' mapping with it.
        on_delete=models.CASCADE,
    )

    class Meta:
        ordering = ["identifier"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.identifier

    def get_absolute_url(self) -> str:
        return pod_url(self.pod)
