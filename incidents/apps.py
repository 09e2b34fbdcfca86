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

        from .cache import bump_version
        from .services.events import on_published

        # A new version of every public page after each committed change.
        on_published(bump_version, also_before_commit=True)
