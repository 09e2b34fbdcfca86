"""Machine translation backends, chosen by the MACHINE_TRANSLATION_BACKEND setting.

A backend is a class with `translate(text, source, target) -> str` (language codes as in the
LANGUAGES setting). With the setting empty, nothing is translated by machine and staff
translate by hand in the admin.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


class TranslationError(Exception):
    """The backend could not translate. `permanent` errors are not worth retrying."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def get_backend():
    """An instance of the configured backend, or None when machine translation is off."""
    path = settings.MACHINE_TRANSLATION_BACKEND
    if not path:
        return None
    try:
        backend = import_string(path)
    except ImportError as error:
        raise ImproperlyConfigured(f"MACHINE_TRANSLATION_BACKEND: {error}") from error
    return backend()


class LibreTranslate:
    """A LibreTranslate server (self-hostable, open source): `POST /translate`.

    Settings: LIBRETRANSLATE_URL (the server's base URL), LIBRETRANSLATE_API_KEY (when the
    server asks for one). Markdown is sent as plain text, which keeps its markup.
    """

    # Our language codes where LibreTranslate names the language differently.
    CODES = {"pt-br": "pb"}
    TIMEOUT = 30

    def __init__(self, url: str | None = None, api_key: str | None = None):
        self.url = (url or settings.LIBRETRANSLATE_URL).rstrip("/")
        self.api_key = api_key if api_key is not None else settings.LIBRETRANSLATE_API_KEY
        if not self.url:
            raise ImproperlyConfigured("Set LIBRETRANSLATE_URL to use LibreTranslate.")

    def translate(self, text: str, source: str, target: str) -> str:
        payload = {
            "q": text,
            "source": self.CODES.get(source, source),
            "target": self.CODES.get(target, target),
            "format": "text",
        }
        if self.api_key:
            payload["api_key"] = self.api_key
        request = urllib.request.Request(
            f"{self.url}/translate",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.TIMEOUT) as response:
                answer = json.loads(response.read().decode())
        except urllib.error.HTTPError as error:
            # 400 (bad language), 403 (bad key) will not get better; 429 and 5xx may.
            permanent = error.code in (400, 401, 403, 404)
            raise TranslationError(
                f"LibreTranslate answered {error.code}: {_error_text(error)}", permanent=permanent
            ) from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise TranslationError(f"LibreTranslate unreachable: {error}") from error
        except ValueError as error:
            raise TranslationError(f"LibreTranslate sent no JSON: {error}") from error
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(translated, str):
            raise TranslationError("LibreTranslate's answer has no translatedText.")
        return translated


def _error_text(error: urllib.error.HTTPError) -> str:
    try:
        return json.loads(error.read().decode()).get("error", "")
    except (ValueError, AttributeError, OSError):
        return ""
