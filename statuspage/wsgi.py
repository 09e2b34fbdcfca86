import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuspage.settings")

application = get_wsgi_application()

# Cache hits of the public pages are answered before Django (see incidents/cache.py).
from incidents.cache_replay import CachedAnswers  # noqa: E402  (needs the settings configured)

application = CachedAnswers(application)
