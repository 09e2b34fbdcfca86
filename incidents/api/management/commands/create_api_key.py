from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from incidents.api.services import api_key_create


class Command(BaseCommand):
    help = "Prints a new management-API key for USERNAME. The key is shown once, stored hashed."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="A label to recognise the key by.")

    def handle(self, *args, username: str, name: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        try:
            _row, key = api_key_create(user, name=name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(key)
