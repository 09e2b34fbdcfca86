from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Running the site as a whole: the demo data, backup and restore. It stands above the
    other apps (it exports and loads all of them), so none of them imports it."""

    name = "incidents.operations"
    label = "operations"
    verbose_name = _("Site operations")
