from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _grant_roles(sender, apps=None, **kwargs):
    from django.apps import apps as global_apps

    from .roles import grant_roles

    grant_roles(apps or global_apps)


class NotificationsConfig(AppConfig):
    name = "incidents.notifications"
    label = "notifications"
    verbose_name = _("Subscribers and notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The staff roles (incidents.roles) get this app's permissions after every migrate.
        post_migrate.connect(_grant_roles, sender=self)
        from incidents import events
        from incidents.admin import console

        from . import tasks  # noqa: F401  (the services send these by name)
        from .receivers import record

        events.recorder("notification", record)
        from .progress import progress

        console.provide_send_progress(progress, "admin:notifications_notification_progress")
