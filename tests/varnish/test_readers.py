"""Who gets which copy through the shipped Varnish: each language its own page, `/` decided
as the origin decides it (never the cached English page for a reader the origin would send
to their language), a staff member's cookies neither reaching the origin for a public page nor
making a copy of their own, what belongs to one person never cached, and odd headers never
making a copy other readers get."""

from __future__ import annotations

import random
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from ..processes import Answer, csrf_token
from .conftest import Edge, tally


def _language(page: requests.Response) -> str | None:
    found = re.search(r'<html lang="([^"]+)"', page.text)
    return found and found.group(1)


def _decision(answer: requests.Response) -> str:
    """What `/` answered: the English page ("en") or the language it redirected to."""
    if answer.status_code == 302:
        return answer.headers["Location"]
    assert answer.status_code == 200, answer.status_code
    return _language(answer)


# `/` for a reader: their headers, and where the origin's contract sends them.
ROOT_READERS = [
    ({}, "en"),
    ({"Accept-Language": "en"}, "en"),
    ({"Accept-Language": "it"}, "/it/"),
    ({"Accept-Language": "it-IT,it;q=0.9,en;q=0.8"}, "/it/"),
    ({"Accept-Language": "en-US,en;q=0.9,it;q=0.8"}, "en"),
    ({"Accept-Language": "de-AT"}, "/de/"),
    ({"Accept-Language": "pt"}, "/pt-br/"),
    ({"Accept-Language": "pt-PT"}, "/pt-br/"),
    ({"Accept-Language": "ja-JP"}, "/ja/"),
    ({"Accept-Language": "ca-ES,ca;q=0.9,es;q=0.8"}, "/es/"),
    ({"Accept-Language": "de;q=0.5, fr;q=0.9"}, "/fr/"),
    ({"Accept-Language": "zh-CN,zh;q=0.9"}, "en"),
    ({"Accept-Language": "*"}, "en"),
    ({"Accept-Language": "*;q=0"}, "en"),
    ({"Accept-Language": "it;q=2"}, "en"),  # not the header's grammar: the default
    ({"Accept-Language": "en", "Cookie": "django_language=it"}, "/it/"),
    ({"Accept-Language": "it", "Cookie": "django_language=en"}, "en"),
    ({"Accept-Language": "it", "Cookie": "django_language=xx"}, "/it/"),
    ({"Cookie": "sessionid=abc; django_language=fr"}, "/fr/"),
    ({"Accept-Language": "es", "Cookie": "sessionid=abc"}, "/es/"),
]


def test_root_is_decided_as_the_origin_decides(edge):
    english = edge.get("/")
    assert english.status_code == 200 and _language(english) == "en"
    origin = edge.origin.site.base
    for headers, expected in ROOT_READERS:
        direct = requests.get(origin + "/", headers=headers, allow_redirects=False, timeout=30)
        assert _decision(direct) == expected, f"the origin, for {headers}: {_decision(direct)}"
        for _ in range(2):  # the second from the cache, if it is cached
            through = edge.get("/", headers=headers)
            assert _decision(through) == expected, f"Varnish, for {headers}"
            if expected != "en":
                assert through.content != english.content
                assert "private" in through.headers["Cache-Control"]
            else:
                assert through.content == english.content


def _browser_headers(seed: int, count: int) -> list[dict[str, str]]:
    """`count` Accept-Language headers (some with a language cookie) of every shape: regions,
    q-values in and out of order, `*`, tags the site lacks, malformed entries."""
    tags = ["en", "en-US", "EN-gb", "it", "it-IT", "de", "de-AT", "es", "es-419", "fr",
            "fr-CA", "ja", "ja-JP", "pt", "pt-BR", "pt-PT", "zh", "zh-Hant-TW", "ca", "*",
            "sv-SE", "x-y", "itx"]  # fmt: skip
    qualities = ["", ";q=1", ";q=1.0", ";q=0", ";q=0.", ";q=0.5", ";q=0.50", ";q=0.9",
                 ";q=0.05", ";q=0.001", " ; q=0.8", ";q=1.5", ";q=0.1234"]  # fmt: skip
    cookies = ["django_language=it", "a=b; django_language=de", "django_language=xx",
               'django_language="fr"', "django_language=it; django_language=ja",
               "old_django_language=it", "sessionid=abc"]  # fmt: skip
    chosen = random.Random(seed)
    found = []
    for _ in range(count):
        entries = [
            chosen.choice(tags) + chosen.choice(qualities) for _ in range(chosen.randint(1, 4))
        ]
        headers = {"Accept-Language": chosen.choice([", ", ","]).join(entries)}
        if chosen.random() < 0.2:
            headers["Cookie"] = chosen.choice(cookies)
        found.append(headers)
    return found


def test_root_follows_the_origin_whatever_the_browser_sends(edge):
    english = edge.get("/")
    origin = edge.origin.site.base
    differ, answered = [], Counter()
    for headers in _browser_headers(seed=7, count=150):
        direct = requests.get(origin + "/", headers=headers, allow_redirects=False, timeout=30)
        through = edge.get("/", headers=headers)
        if _decision(through) != _decision(direct):
            differ.append((headers, _decision(direct), _decision(through)))
        elif _decision(through) == "en" and through.headers["X-Cache"] == "HIT":
            assert through.content == english.content
        # From the cache, redirected by Varnish itself, or left to the origin.
        answered[through.headers.get("X-Cache", "redirect")] += 1
    assert not differ, f"the origin decided otherwise for {differ}"
    assert {"HIT", "redirect", "PASS"} <= answered.keys(), answered


def test_readers_of_two_languages_never_get_each_other_s_page(edge):
    readers = [("/it/", {}, "it"), ("/", {"Accept-Language": "en"}, "en"), ("/", {}, "en")]
    readers += [("/pt-br/", {"Accept-Language": "en"}, "pt-br")]

    def read(n: int) -> tuple[str, str | None]:
        path, headers, _language_of = readers[n % len(readers)]
        answer = edge.get(path, headers=headers)
        assert answer.status_code == 200, (path, answer.status_code)
        return path, _language(answer)

    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(read, range(200)))
    expected = {path: language for path, _headers, language in readers}
    wrong = [(path, language) for path, language in seen if language != expected[path]]
    assert not wrong, wrong
    # And `/` asked for in Italian after all that: the Italian page, never the cached English.
    italian = edge.get("/", headers={"Accept-Language": "it"})
    assert italian.status_code == 302 and italian.headers["Location"] == "/it/"
    assert _language(edge.get(italian.headers["Location"])) == "it"


def _staff_session(edge: Edge) -> requests.Session:
    """Logged in to the admin through Varnish, as a browser: its session and CSRF cookies."""
    browser = requests.Session()
    form = edge.get("/admin/login/", session=browser)
    assert form.status_code == 200, form.status_code
    token = csrf_token(Answer("GET", "/admin/login/", form.status_code, form.text, 0))
    answer = edge.request(
        "POST",
        "/admin/login/",
        session=browser,
        data={
            "username": "manager",
            "password": "manager",
            "next": "/admin/",
            "csrfmiddlewaretoken": token,
        },
    )
    assert answer.status_code == 302, answer.status_code
    assert "/login/" not in answer.headers["Location"]
    assert "sessionid" in browser.cookies
    return browser


def test_a_staff_member_reads_the_anonymous_copy_and_the_admin_is_never_cached(edge):
    staff = _staff_session(edge)
    since = edge.origin.mark()

    # `/` cached for an anonymous reader: the staff member is served that very copy.
    anonymous = edge.get("/")
    staff_copy = edge.get("/", session=staff)
    assert staff_copy.headers["X-Cache"] == "HIT" and staff_copy.content == anonymous.content
    # `/history/` first asked for by the staff member: the copy made is the anonymous one.
    staff_copy = edge.get("/history/", session=staff)
    anonymous = edge.get("/history/")
    assert staff_copy.status_code == 200 and anonymous.headers["X-Cache"] == "HIT"
    assert staff_copy.content == anonymous.content
    assert "/admin/logout/" not in staff_copy.text

    for _ in range(2):
        admin = edge.get("/admin/", session=staff)
        assert admin.status_code == 200 and admin.headers["X-Cache"] == "PASS"
        assert "/admin/logout/" in admin.text  # the staff member's own page

    origin = edge.origin.requests(since)
    public = [r for r in origin if not r.path.startswith("/admin/")]
    assert [r.path for r in public] == ["/", "/history/"], tally(origin)
    assert not any(r.cookie for r in public), f"a cookie reached the origin: {tally(public)}"
    admin_requests = [r for r in origin if r.path == "/admin/"]
    assert len(admin_requests) == 2 and all(r.cookie for r in admin_requests), tally(origin)


def test_what_belongs_to_one_person_is_never_cached(edge):
    site = edge.origin.site
    api = f"/api/v1/pages/{site.PAGE_ID}/incidents"
    since = edge.origin.mark()
    for _ in range(2):
        answer = edge.get(api, headers={"Authorization": f"OAuth {site.key}"})
        assert answer.status_code == 200 and answer.headers["X-Cache"] == "PASS"
        # A public page asked for with credentials: passed, not cached, not served cached.
        answer = edge.get("/history.rss", headers={"Authorization": "Basic eDp5"})
        assert answer.headers["X-Cache"] == "PASS"
        answer = edge.request("POST", "/subscribe/", data={"email": "reader@example.com"})
        assert answer.headers["X-Cache"] == "PASS"
        switch = edge.get("/language/it/?next=/it/")
        assert switch.status_code == 302 and "django_language=it" in switch.headers["Set-Cookie"]
    origin = edge.origin.requests(since)
    for method, path in (
        ("GET", api),
        ("GET", "/history.rss"),
        ("POST", "/subscribe/"),
        ("GET", "/language/it/"),
    ):
        reached = [r for r in origin if (r.method, r.path) == (method, path)]
        assert len(reached) == 2, f"{method} {path}: {tally(origin)}"


@pytest.mark.parametrize(
    ("path", "odd"),
    [
        ("/history.atom", {"X-Forwarded-Host": "evil.example"}),
        ("/history.rss", {"Host": "evil.example"}),
        ("/history/", {"Forwarded": "host=evil.example;proto=https"}),
        ("/", {"Accept-Language": "*;q=0"}),
        ("/maintenance.ics", {"Cookie": "sessionid=" + "x" * 4096}),
        ("/api/v2/summary.json", {"Accept-Encoding": "identity", "Cookie": "a=" + "b" * 4000}),
    ],
)
def test_odd_headers_make_no_copy_other_readers_get(edge, path, odd):
    since = edge.origin.mark()
    first = edge.get(path, headers=odd)  # the first reader of a cold page: theirs could be kept
    assert first.status_code in (200, 400), first.status_code
    normal = [edge.get(path) for _ in range(3)]
    for answer in normal:
        assert answer.status_code == 200
        assert b"evil.example" not in answer.content
        assert answer.content == normal[0].content
    if first.status_code == 200 and "Accept-Encoding" not in odd:
        assert first.content == normal[0].content  # the same page, the one copy
    origin = edge.origin.requests(since)
    assert not any(r.cookie for r in origin), tally(origin)
    # The odd request's own fetch, and at most one for the normal readers (when the odd one
    # is kept apart: another host, another encoding).
    assert len([r for r in origin if r.path == path]) <= 2, tally(origin)
    assert normal[-1].headers["X-Cache"] == "HIT"
