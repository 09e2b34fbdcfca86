from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from incidents.roles import grant_after_migrate


class NotificationsConfig(AppConfig):
    name = "incidents.notifications"
    label = "notifications"
    verbose_name = _("Subscribers and notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The staff roles (incidents.roles) get this app's permissions after every migrate.
        grant_after_migrate(self)
        from incidents import events
        from incidents.admin import console

        from . import tasks  # noqa: F401  (the services send these by name)
        from .receivers import record

        events.recorder("notification", record)
        from .progress import progress

        console.provide_send_progress(progress, "admin:notifications_notification_progress")
