from django.apps import AppConfig

from incidents.roles import grant_after_migrate


class MetricsConfig(AppConfig):
    name = "incidents.metrics"
    label = "metrics"
    verbose_name = "System metrics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The staff roles (incidents.roles) get this app's permissions after every migrate.
        grant_after_migrate(self)
        from . import tasks  # noqa: F401  (beat sends them by name)
