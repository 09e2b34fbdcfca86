import json
import sys

from django.core.management.base import BaseCommand

from incidents.operations.backup import export_status


class Command(BaseCommand):
    help = (
        "Writes the whole status page (content, subscribers, notification history) as JSON, "
        "to a file or to standard output. The file holds subscriber addresses: keep it private."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="-", help="A file, or - for stdout.")

    def handle(self, *args, path: str, **options):
        text = json.dumps(export_status(), indent=2, ensure_ascii=False) + "\n"
        if path == "-":
            sys.stdout.write(text)
        else:
            with open(path, "w", encoding="utf-8") as target:
                target.write(text)
            self.stderr.write(f"Written to {path}.")
