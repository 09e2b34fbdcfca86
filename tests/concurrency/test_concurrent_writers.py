"""Concurrent writers never fail: API clients and staff write at once to a real site (gunicorn
with two processes, a Celery worker with beat delivering the notifications they record), on a
fresh database of its own, and every write is accepted and recorded in full.

On SQLite this is what `transaction_mode: IMMEDIATE` and the busy timeout in
statuspage/settings.py guarantee: without them, writers fail with "database is locked" (503).
On PostgreSQL (when the suite runs there) the same test runs on a fresh database on that server.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
from django.db import connection

from ..processes import Answer, Site, csrf_token, poll

pytestmark = pytest.mark.slow

# Few subscribers, many notifications: the embedded broker hands the worker about one task a
# second, so the number of sends (not of recipients) decides how busy it is.
SUBSCRIBERS = 4
ROUNDS = 10
UPDATES = 20
CREATES = 10
ADMIN_SESSIONS = 4
ADMIN_POSTS = 3  # per session


def _server() -> dict:
    s = connection.settings_dict
    found = {
        "host": s["HOST"] or "127.0.0.1",
        "port": s["PORT"] or 5432,
        "user": s["USER"],
        "password": s["PASSWORD"],
    }
    return {k: v for k, v in found.items() if v}


@pytest.fixture
def database_url(tmp_path):
    """A database nobody else uses: a file in tmp_path, or a fresh one on the suite's
    PostgreSQL server, dropped afterwards."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"
        return
    import psycopg

    name = f"statuspage_writers_{secrets.token_hex(4)}"
    server = _server()
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = quote(server.get("user", ""))
    if server.get("password"):
        auth += ":" + quote(server["password"])
    try:
        yield f"postgres://{auth}@{server['host']}:{server['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def site(tmp_path, database_url):
    site = Site(tmp_path / "site", database_url)
    site.prepare(subscribers=SUBSCRIBERS)
    try:
        site.start()
        yield site
    finally:
        site.stop()


def concurrently[T](calls: list[Callable[[], T]]) -> list[T]:
    """Runs every call in a thread of its own, all released at the same moment."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


# A write as the client saw it, and whether it succeeded as that write must.
Outcome = tuple[Answer, bool]


def _ok(answer: Answer) -> Outcome:
    return answer, 200 <= answer.status < 300


def _incident(name: str, body: str, components: dict[str, str], notify: bool = True) -> dict:
    return {
        "incident": {
            "name": name,
            "status": "investigating",
            "body": body,
            "components": components,
            "deliver_notifications": notify,
        }
    }


def _update(status: str, body: str) -> dict:
    return {"incident": {"status": status, "body": body}}


def _bodies(site: Site, incident_id: str) -> tuple[str, list[str]]:
    answer = site.api("GET", f"incidents/{incident_id}")
    assert answer.status == 200, answer
    found = answer.json()
    return found["status"], [u["body"] for u in found["incident_updates"]]


def _rounds(site: Site, components: dict[str, str], problems: list[str]) -> list[Outcome]:
    """(a) Ten operators at once, each opening an incident that notifies its subscribers,
    posting an update and resolving it. One operator's steps follow each other (an update
    racing its own incident's resolution is refused by the rules, whatever the database)."""
    pods = [components[name] for name in ("Pod 13", "Pod 14", "Pod 17", "Pod 18")]
    billing = components["Billing"]

    def round_(n: int) -> list[Answer]:
        affected = {pods[n % len(pods)]: "partial_outage", billing: "degraded_performance"}
        created = site.api(
            "POST", "incidents", _incident(f"Round {n}", f"Round {n}: seen.", affected)
        )
        if created.status != 201:
            return [created]
        path = f"incidents/{created.json()['id']}"
        updated = site.api("PATCH", path, _update("identified", f"Round {n}: identified."))
        resolved = site.api("PATCH", path, _update("resolved", f"Round {n}: resolved."))
        return [created, updated, resolved]

    results = concurrently([lambda n=n: round_(n) for n in range(ROUNDS)])
    for n, answers in enumerate(results):
        if len(answers) < 3 or not all(_ok(a)[1] for a in answers):
            continue
        status, bodies = _bodies(site, answers[0].json()["id"])
        expected = [f"Round {n}: seen.", f"Round {n}: identified.", f"Round {n}: resolved."]
        if status != "resolved" or sorted(bodies) != sorted(expected):
            problems.append(f"round {n} ended {status} with updates {bodies}")
    return [
        (a, a.status == 201) if a.method == "POST" else _ok(a)
        for answers in results
        for a in answers
    ]


def _updates_to_one(site: Site, components: dict[str, str], problems: list[str]) -> list[Outcome]:
    """(b) Twenty updates posted at once to one incident: all recorded."""
    created = site.api(
        "POST",
        "incidents",
        _incident("Many hands", "Many hands: seen.", {components["Voice"]: "major_outage"}),
    )
    assert created.status == 201, created
    path = f"incidents/{created.json()['id']}"
    statuses = ("identified", "monitoring")
    answers = concurrently(
        [
            lambda n=n: site.api("PATCH", path, _update(statuses[n % 2], f"Hand {n} reporting."))
            for n in range(UPDATES)
        ]
    )
    _status, bodies = _bodies(site, created.json()["id"])
    missing = {f"Hand {n} reporting." for n in range(UPDATES)} - set(bodies)
    if missing:
        problems.append(f"updates missing from the incident: {sorted(missing)}")
    return [_ok(a) for a in answers]


def _creates(site: Site, components: dict[str, str], problems: list[str]) -> list[Outcome]:
    """(c) Ten incidents opened at once: ten new incidents."""
    messaging = {components["Messaging"]: "partial_outage"}
    answers = concurrently(
        [
            lambda n=n: site.api(
                "POST", "incidents", _incident(f"Opened together {n}", "Seen.", messaging)
            )
            for n in range(CREATES)
        ]
    )
    listed = site.api("GET", "incidents?q=Opened+together")
    names = sorted(i["name"] for i in listed.json()) if listed.status == 200 else [str(listed)]
    if names != sorted(f"Opened together {n}" for n in range(CREATES)):
        problems.append(f"incidents opened together: {names}")
    return [(a, a.status == 201) for a in answers]


def _admin_posts(site: Site, components: dict[str, str], problems: list[str]) -> list[Outcome]:
    """(d) Staff in several browsers posting through the admin's "Post an update" form to one
    incident at once: every post lands on its success redirect, every message is recorded."""
    created = site.api(
        "POST",
        "incidents",
        _incident(
            "Staff at work",
            "Staff at work: seen.",
            {components["Help Center"]: "major_outage"},
            notify=False,
        ),
    )
    assert created.status == 201, created
    public_id = created.json()["id"]
    sessions = concurrently([lambda: site.admin_login("manager", "manager")] * ADMIN_SESSIONS)
    listing = site.request(sessions[0], "GET", f"/admin/incidents/incident/?q={public_id}")
    found = re.search(r"/admin/incidents/incident/(\d+)/change/", listing.body)
    assert found, listing
    form_path = f"/admin/incidents/incident/{found.group(1)}/post-update/"

    def post(s: int) -> list[Outcome]:
        outcomes = []
        for k in range(ADMIN_POSTS):
            form = site.request(sessions[s], "GET", form_path)
            if form.status != 200:
                return [*outcomes, (form, False)]
            data = {
                "csrfmiddlewaretoken": csrf_token(form),
                "status": "identified",
                "body": f"Staff {s} post {k}.",
                "deliver_notifications": "on",
            }
            answer = site.request(sessions[s], "POST", form_path, data=data)
            # Success redirects to the notification's review (or to the incident); an error
            # answers the form again (200), or 503 when the database refused.
            succeeded = answer.status == 302 and bool(
                re.search(
                    r"/admin/(notifications/notification|incidents/incident)/\d+/change/",
                    answer.location,
                )
            )
            outcomes.append((answer, succeeded))
        return outcomes

    results = concurrently([lambda s=s: post(s) for s in range(ADMIN_SESSIONS)])
    _status, bodies = _bodies(site, public_id)
    expected = {f"Staff {s} post {k}." for s in range(ADMIN_SESSIONS) for k in range(ADMIN_POSTS)}
    if expected - set(bodies):
        problems.append(f"admin posts missing from the incident: {sorted(expected - set(bodies))}")
    return [outcome for outcomes in results for outcome in outcomes]


def _deliveries(site: Site) -> dict[str, int]:
    """Delivery rows by state. Only the worker writes them (freezing an audience, sending)."""
    return dict(site.query("SELECT state, COUNT(*) FROM notifications_delivery GROUP BY state"))


def _wait_while_the_worker_moves(site: Site, done: Callable[[dict], bool], stall: float = 30):
    """Waits until `done(deliveries by state)`, failing only when the worker changes nothing
    (freezes no audience, sends nothing) for `stall` seconds."""
    seen = _deliveries(site)
    while not done(seen):
        seen = poll(
            lambda before=seen: (now := _deliveries(site)) != before and now,
            stall,
            what=f"the worker to freeze or send more than {seen}",
        )


def _welcomed(site: Site) -> int:
    ((welcomed,),) = site.query(
        "SELECT COUNT(*) FROM notifications_subscriber WHERE welcome_sent_at IS NOT NULL"
    )
    return welcomed


def test_concurrent_writers_all_succeed_while_the_worker_delivers(site):
    components = site.components()
    # The worker first sends the sign-ups' mails, queued before it started; the writers begin
    # once it has, so that it freezes audiences while they write.
    poll(lambda: _welcomed(site) >= SUBSCRIBERS, 60, what="the sign-ups' welcome mails")
    problems: list[str] = []
    outcomes: list[Outcome] = []
    for phase in (_rounds, _updates_to_one, _creates, _admin_posts):
        outcomes += phase(site, components, problems)
    written_meanwhile = sum(_deliveries(site).values())
    # The worker takes its tasks in order, about one a second from the embedded broker: the
    # first sends come after the audiences frozen meanwhile, however many the writers queued.
    # Waiting for one notification's worth of mail is enough to see it send (the rest is left
    # queued); it may take as long as the backlog, but the worker must keep moving.
    _wait_while_the_worker_moves(site, lambda seen: seen.get("sent", 0) >= SUBSCRIBERS)
    site.stop()  # the worker's last writes finished: the mails on disk match the rows

    failed = [str(answer) for answer, succeeded in outcomes if not succeeded]
    assert not failed, f"{len(failed)} of {len(outcomes)} writes failed:\n" + "\n".join(failed)
    assert not problems, "\n".join(problems)
    assert written_meanwhile > 0, "the worker froze no audience while the site was written to"
    deliveries = _deliveries(site)
    assert deliveries.get("failed", 0) == 0, deliveries
    # Each subscriber's welcome mail (their sign-up's) is on disk too.
    welcomed = _welcomed(site)
    assert site.mails() == deliveries["sent"] + welcomed, (site.mails(), deliveries, welcomed)
    worker_log = (site.dir / "worker.log").read_text()
    for sign in ("raised unexpected", "database is locked", "Traceback"):
        assert sign not in worker_log, f"the worker failed ({sign}); see {site.dir / 'worker.log'}"
