"""`manage.py updatemessages`: brings every catalog under locale/ up to date with the code.

It runs Django's `makemessages` (GNU gettext's xgettext and msgmerge) for every language of
the LANGUAGES setting, over what readers see: the public pages, emails, feeds, models and
services. The staff side is left out: the admin has no language prefix, so it is always
English. New strings come out untranslated, and the catalog test fails until they are.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import BaseCommand, call_command
from django.utils.translation import to_locale

# Staff-only code and templates (the audit log and the site operations included): never
# shown in another language.
STAFF_ONLY = [
    "incidents/admin/*",
    "incidents/notifications/admin.py",
    "incidents/audit/*",
    "incidents/operations/*",
    "incidents/forms.py",
    "incidents/staff.py",
    "incidents/models/page.py",
    "incidents/services/page.py",
    "incidents/api/*",
    "incidents/management/*",
    "templates/admin/*",
    "incidents/notifications/templates/admin/*",
    "incidents/pods/templates/admin/*",
]
IGNORE = [*STAFF_ONLY, ".venv", "var", "tests", "scripts", "staticfiles", "locale"]


def locales() -> list[str]:
    return [to_locale(code) for code, _name in settings.LANGUAGES if code != "en"]


class Command(BaseCommand):
    help = "Updates locale/*/LC_MESSAGES/django.po from the code (needs GNU gettext)."

    def handle(self, *args, **options):
        call_command(
            "makemessages",
            locale=locales(),
            ignore_patterns=IGNORE,
            no_obsolete=True,
            verbosity=options["verbosity"],
        )
