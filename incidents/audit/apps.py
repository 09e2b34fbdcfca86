from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _grant_roles(sender, apps=None, **kwargs):
    from django.apps import apps as global_apps

    from .roles import grant_roles

    grant_roles(apps or global_apps)


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
        post_migrate.connect(_grant_roles, sender=self)
