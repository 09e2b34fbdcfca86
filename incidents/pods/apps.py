from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from incidents.roles import grant_after_migrate


class PodsConfig(AppConfig):
    name = "incidents.pods"
    label = "pods"
    verbose_name = _("Accounts and pods")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The staff roles (incidents.roles) get this app's permissions after every migrate.
        grant_after_migrate(self)
