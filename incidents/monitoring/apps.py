from django.apps import AppConfig

from incidents.roles import grant_after_migrate


class MonitoringConfig(AppConfig):
    name = "incidents.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The staff roles (incidents.roles) get this app's permissions after every migrate.
        grant_after_migrate(self)

        from incidents import automation, context_processors
        from incidents.admin import console

        from . import selectors, tasks  # noqa: F401  (beat sends the tasks by name)

        # When the last incident or maintenance holding a component ends, the component
        # returns to what its firing alerts hold it in.
        automation.provide_held_status(selectors.automation_status)
        # The admin's banner: drafts to publish, silent integrations, refused payloads.
        context_processors.provide_staff_warnings(selectors.staff_warnings)
        # A draft's console offers its integration's template.
        console.provide_draft_suggestion(selectors.draft_suggestion)
