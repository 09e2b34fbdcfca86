from django.conf import settings

from . import languages as _languages


def page(request):
    """The page's name, on every template."""
    return {"statuspage_name": settings.STATUSPAGE_NAME}


def languages(request):
    """The switcher and the `hreflang` alternates: this page in every language."""
    if request is None or request.path_info.startswith(("/admin/", "/api/")):
        return {}
    links = _languages.links(request.get_full_path())
    default = next(link for link in links if link.code == settings.LANGUAGE_CODE)
    return {
        "language_links": links,
        "default_language_url": default.url,
        "public_site_url": settings.SITE_URL,
    }
