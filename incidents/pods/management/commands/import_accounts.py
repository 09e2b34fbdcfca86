import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from incidents.pods import services


class Command(BaseCommand):
    help = (
        "Maps accounts to pods from a CSV file of `account,pod` lines (`-` reads standard "
        "input). All or nothing: with any bad line, nothing is imported and the bad lines "
        "are listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV file, or - for standard input.")

    def handle(self, *args, path: str, **options):
        try:
            content = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from None
        try:
            result = services.accounts_import_csv(content, actor="import_accounts command")
        except ValidationError as error:
            for message in error.messages:
                self.stderr.write(message)
            raise CommandError("Nothing was imported.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported: {result.created} new, {result.updated} moved to another pod, "
                f"{result.unchanged} unchanged."
            )
        )
