"""`manage.py render_error_pages`: the 500 page of every language, as static files.

Run after `collectstatic` (the page links the collected, hashed stylesheet) and whenever the
catalogs change. The files land in STATIC_ROOT/errors/; the site's 500 handler reads them, so
that a server error shows the page in the site's layout with the database and the cache down.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management import BaseCommand, CommandError

from statuspage.errors import error_pages_dir, write_error_pages


class Command(BaseCommand):
    help = "Renders the 500 page of every language into STATIC_ROOT/errors/."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", dest="folder", type=Path, help="another folder (default: STATIC_ROOT/errors)"
        )

    def handle(self, *args, folder: Path | None = None, **options):
        directory = folder or error_pages_dir()
        try:
            written = write_error_pages(directory)
        except ValueError as error:  # the hashed stylesheet's name is not in the manifest
            raise CommandError(f"{error}. Run collectstatic first.") from error
        self.stdout.write(f"{len(written)} error pages written to {directory}")
