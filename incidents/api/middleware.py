"""Requests to the management API as real Statuspage scripts send them.

- Paths with a `.json` suffix (`/pages/{page_id}/components/{id}.json`, as Statuspage's docs
  write them) are the same resource without it.
- Form-encoded bodies (`incident[name]=...&incident[component_ids][]=...`, as its docs and
  its own scripts send them) are read as the JSON object they spell, `true`/`false` as flags,
  so every endpoint validates one shape.
"""

from __future__ import annotations

import json
import re
from itertools import pairwise

from django.http import QueryDict

API_V1 = "/api/v1/"
FORM = "application/x-www-form-urlencoded"
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_FLAGS = {"true": True, "false": False}


class FormBodyError(ValueError):
    pass


def _value(value: str):
    return _FLAGS.get(value, value)


def form_to_object(form: QueryDict) -> dict:
    """`a[b][c]=v` as {"a": {"b": {"c": v}}}; `a[b][]=v` appends v to a list."""
    found: dict = {}
    for key, values in form.lists():
        match = _KEY.match(key)
        if match is None:
            raise FormBodyError(key)
        path = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = found
        for part, following in pairwise(path):
            default = [] if following == "" else {}
            child = node.setdefault(part, default) if isinstance(node, dict) else None
            if child is None or not isinstance(child, dict | list) or part == "":
                raise FormBodyError(key)
            node = child
        last = path[-1]
        if last == "":
            if not isinstance(node, list):
                raise FormBodyError(key)
            node.extend(_value(v) for v in values)
        elif isinstance(node, dict):
            node[last] = _value(values[-1])
        else:
            raise FormBodyError(key)
    return found


class StatuspageRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(API_V1):
            if request.path_info.endswith(".json"):
                request.path_info = request.path_info.removesuffix(".json")
                request.path = request.path.removesuffix(".json")
            if request.content_type == FORM and request.method in ("POST", "PUT", "PATCH"):
                try:
                    spelled = form_to_object(QueryDict(request.body, encoding="utf-8"))
                except (FormBodyError, UnicodeDecodeError):
                    spelled = None
                # An unreadable form reaches the endpoint as what it is: invalid JSON (400).
                request._body = json.dumps(spelled).encode() if spelled is not None else b"{"
                request.META["CONTENT_TYPE"] = "application/json"
                request.content_type = "application/json"
        return self.get_response(request)
