import json
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from incidents.operations.backup import import_status


class Command(BaseCommand):
    help = (
        "Restores a document written by export_status, all or nothing, into an empty site. "
        "--replace deletes the current content first (in the same transaction)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A file, or - for stdin.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the current components, incidents, templates and subscribers first.",
        )

    def handle(self, *args, path: str, replace: bool, **options):
        try:
            if path == "-":
                data = json.load(sys.stdin)
            else:
                with open(path, encoding="utf-8") as source:
                    data = json.load(source)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        try:
            counts = import_status(data, replace=replace)
        except ValidationError as error:
            raise CommandError("Nothing imported: " + " ".join(error.messages)) from None
        summary = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Imported {summary}."))
