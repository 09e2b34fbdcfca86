from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from incidents.models import Component, Incident
from incidents.operations.demo import load_demo
from incidents.roles import INCIDENT_MANAGERS, SUPPORT_STAFF

DEMO_USERS = [("support", SUPPORT_STAFF), ("manager", INCIDENT_MANAGERS)]


class Command(BaseCommand):
    help = "Loads the demo status page (idempotent). With DEBUG on, also demo staff accounts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the site already has components or incidents.",
        )

    def handle(self, *args, if_empty: bool = False, **options):
        if if_empty and (Component.objects.exists() or Incident.objects.exists()):
            self.stdout.write("The site already has data; demo not loaded.")
            return
        created = load_demo()
        self.stdout.write(self.style.SUCCESS("Demo loaded." if created else "Demo already there."))
        if settings.DEBUG:
            self._demo_users()

    def _demo_users(self):
        User = get_user_model()
        for username, role in DEMO_USERS:
            user, made = User.objects.get_or_create(username=username, defaults={"is_staff": True})
            if made:
                user.set_password(username)
                user.save()
                user.groups.add(Group.objects.get(name=role))
            self.stdout.write(f"Staff login for {role}: {username} / {username} at /admin/")
