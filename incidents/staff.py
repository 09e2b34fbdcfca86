"""markdownx's preview and image upload, open to logged-in staff only."""

from __future__ import annotations

from functools import wraps

from django.http import HttpResponseForbidden
from django.urls import path
from markdownx.views import ImageUploadView, MarkdownifyView


def staff_only(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return HttpResponseForbidden("Staff only.")
        return view(request, *args, **kwargs)

    return wrapped


urlpatterns = [
    path("upload/", staff_only(ImageUploadView.as_view()), name="markdownx_upload"),
    path("markdownify/", staff_only(MarkdownifyView.as_view()), name="markdownx_markdownify"),
]
