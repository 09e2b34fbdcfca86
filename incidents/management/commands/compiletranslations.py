"""`manage.py compiletranslations`: compiles locale/*/LC_MESSAGES/django.po into .mo files.

Pure Python (Babel), so a machine without GNU gettext can install and run the site; Django's
`compilemessages` would need msgfmt. Fuzzy entries are left out, as msgfmt leaves them out.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import BaseCommand


def compile_catalogs(folders=None, force: bool = False) -> list[Path]:
    """Compiles every catalog whose .mo is missing or older than its .po; returns them.

    `folders` defaults to the LOCALE_PATHS setting.
    """
    done = []
    for folder in settings.LOCALE_PATHS if folders is None else folders:
        for po in sorted(Path(folder).glob("*/LC_MESSAGES/*.po")):
            mo = po.with_suffix(".mo")
            if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parts[-3])
            with mo.open("wb") as target:
                write_mo(target, catalog, use_fuzzy=False)
            done.append(mo)
    return done


class Command(BaseCommand):
    help = "Compiles the translation catalogs (locale/*/LC_MESSAGES/*.po) without gettext."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Also up-to-date catalogs.")

    def handle(self, *args, force=False, **options):
        for mo in compile_catalogs(force=force):
            self.stdout.write(f"compiled {mo}")


if __name__ == "__main__":
    # `python -m incidents.management.commands.compiletranslations locale`: without settings,
    # so that installing needs no configuration.
    import sys

    for compiled in compile_catalogs([Path(arg) for arg in sys.argv[1:]]):
        print(f"compiled {compiled}")
