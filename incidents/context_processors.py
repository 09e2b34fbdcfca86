from django.conf import settings


def page(request):
    """The page's name, on every template."""
    return {"statuspage_name": settings.STATUSPAGE_NAME}
