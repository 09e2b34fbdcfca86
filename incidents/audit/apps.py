from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from incidents.roles import grant_after_migrate


class AuditConfig(AppConfig):
    name = "incidents.audit"
    label = "audit"
    verbose_name = _("Audit log")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from incidents import events

        from .recorder import record

        # Every event is written to the log inside the transaction that made the change.
        events.recorder("audit", record)
        grant_after_migrate(self)
