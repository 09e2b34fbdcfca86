from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, apps=None, **kwargs):
    from django.apps import apps as global_apps

    from .roles import sync_roles

    sync_roles(apps or global_apps)


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Status page")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import lookups

        lookups.register()
        # After every migrate and flush (tests), so the roles always exist and are complete.
        post_migrate.connect(_sync_roles, sender=self)

        from . import (
            events,
            tasks,  # noqa: F401  (the services send these by name)
        )
        from .cache import bump_after
        from .purge import purge_after
        from .services.translations import translate_after

        # A new version of every public page at each public change and after its commit, the
        # shared caches in front purged; machine translations follow the English text.
        events.listener(bump_after, also_before_commit=True)
        events.listener(purge_after)
        events.listener(translate_after)
