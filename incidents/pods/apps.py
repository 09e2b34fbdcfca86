from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _grant_roles(sender, apps=None, **kwargs):
    from django.apps import apps as global_apps

    from .roles import grant_roles

    grant_roles(apps or global_apps)


class PodsConfig(AppConfig):
    name = "incidents.pods"
    label = "pods"
    verbose_name = _("Accounts and pods")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The staff roles (incidents.roles) get this app's permissions after every migrate.
        post_migrate.connect(_grant_roles, sender=self)
