"""Compatibility: the generated client's UsersApi and PermissionsApi (Statuspage's
organization users and their page roles) drive our staff users and roles unchanged."""

import json

import atlassian_statuspage as sp
import pytest
import schemathesis
from atlassian_statuspage.rest import ApiException
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from incidents.api.manage.users import public_id
from incidents.api.services import api_key_create
from incidents.audit.models import AuditLog
from incidents.roles import INCIDENT_MANAGERS, SUPPORT_STAFF
from statuspage.wsgi import application
from tests.fingerprint import database_fingerprint

from .test_openapi import RUN as OPENAPI_RUN
from .test_openapi import keep_test_connection  # noqa: F401  (a fixture)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # As in test_generated_client: the live server's threads finishing kept-alive connections
    # after the test is harness teardown.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

User = get_user_model()
ORG = settings.STATUSPAGE_PAGE_ID
ORGS = f"/api/v1/organizations/{ORG}"


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser(username="root", email="root@example.com", password="pw")


@pytest.fixture
def admin_key(admin_user):
    return api_key_create(admin_user)[1]


def users_state():
    """Every user row and every role membership, to show a refusal changed nothing."""
    return (
        list(User.objects.order_by("pk").values()),
        sorted(User.groups.through.objects.values_list("user_id", "group_id")),
    )


def by_email(email):
    return User.objects.get(email=email)


def new_user(email="ana@example.com", **names):
    return sp.PostOrganizationsOrganizationIdUsers(
        user=sp.PostOrganizationsOrganizationIdUsersUser(email=email, **names)
    )


def roles_body(**roles):
    return sp.PutOrganizationsOrganizationIdPermissions(
        pages=sp.PutOrganizationsOrganizationIdPermissionsPages(
            page_id=sp.PutOrganizationsOrganizationIdPermissionsPagesPageId(**roles)
        )
    )


def refused(call, status):
    with pytest.raises(ApiException) as raised:
        call()
    assert raised.value.status == status, raised.value.body
    assert raised.value.headers["Content-Type"].startswith("application/json")
    return json.loads(raised.value.body)["error"]


def test_staff_lifecycle_through_the_generated_client(
    client_for, admin_key, admin_user, manager_user, support_user, call
):
    api = client_for(admin_key)
    users, permissions = sp.UsersApi(api), sp.PermissionsApi(api)
    User.objects.create_user(username="reader", email="reader@example.com")  # not staff

    listed = users.get_organizations_organization_id_users(ORG)
    assert all(isinstance(u, sp.User) for u in listed)
    assert {u.email for u in listed} == {"root@example.com", ""}  # manager, support: no email
    assert len(listed) == 3 and {u.organization_id for u in listed} == {ORG}
    ids = {u.id for u in listed}
    assert len(ids) == 3 and not ids & {str(u.pk) for u in User.objects.all()}
    assert users.get_organizations_organization_id_users(ORG, page=2, per_page=2)[0].id in ids

    created = users.post_organizations_organization_id_users(
        new_user("Ana@Example.com", first_name="Ana", last_name="Lima"), ORG
    )
    assert isinstance(created, sp.User)
    assert (created.email, created.first_name, created.last_name) == (
        "Ana@example.com",
        "Ana",
        "Lima",
    )
    assert created.created_at is not None and created.id not in ids
    ana = by_email("Ana@example.com")
    assert ana.is_staff and ana.is_active and not ana.has_usable_password()
    assert list(ana.groups.values_list("name", flat=True)) == [SUPPORT_STAFF]
    entry = AuditLog.objects.get(action="user.create")
    assert entry.actor == admin_user and entry.after["role"] == SUPPORT_STAFF
    assert "password" not in entry.after

    # Support staff: posts incidents (Statuspage's incident manager), configures nothing.
    got = permissions.get_organizations_organization_id_permissions_user_id(ORG, created.id)
    assert isinstance(got, sp.Permissions) and got.data.user_id == created.id
    assert got.data.pages.page_id == settings.STATUSPAGE_PAGE_ID
    assert (
        got.data.pages.incident_manager,
        got.data.pages.page_configuration,
        got.data.pages.maintenance_manager,
    ) == (True, False, False)
    ana_key = api_key_create(ana)[1]
    v1 = f"/api/v1/pages/{settings.STATUSPAGE_PAGE_ID}"
    component = {"component": {"name": "Billing"}}
    assert call("POST", f"{v1}/components", ana_key, component).status_code == 403

    put = permissions.put_organizations_organization_id_permissions_user_id(
        roles_body(page_configuration=True, incident_manager=True, maintenance_manager=True),
        ORG,
        created.id,
    )
    assert isinstance(put, sp.Permissions)
    assert (put.data.pages.page_configuration, put.data.pages.maintenance_manager) == (True, True)
    assert list(ana.groups.values_list("name", flat=True)) == [INCIDENT_MANAGERS]
    assert call("POST", f"{v1}/components", ana_key, component).status_code == 201
    entry = AuditLog.objects.get(action="user.set_role")
    assert (entry.before, entry.after) == ({"role": SUPPORT_STAFF}, {"role": INCIDENT_MANAGERS})

    # Statuspage's body names the page by its id; no flags at all is no role.
    back = call(
        "PUT",
        f"{ORGS}/permissions/{created.id}",
        admin_key,
        {"pages": {settings.STATUSPAGE_PAGE_ID: {"incident_manager": True}}},
    )
    assert back.status_code == 200 and back.json()["data"]["pages"]["incident_manager"]
    assert list(ana.groups.values_list("name", flat=True)) == [SUPPORT_STAFF]
    none = permissions.put_organizations_organization_id_permissions_user_id(
        sp.PutOrganizationsOrganizationIdPermissions(pages={}), ORG, created.id
    )
    assert not none.data.pages.incident_manager and not ana.groups.exists()

    # The superuser holds every role whatever their groups.
    root = permissions.get_organizations_organization_id_permissions_user_id(
        ORG, next(u.id for u in listed if u.email == "root@example.com")
    )
    assert root.data.pages.page_configuration and root.data.pages.incident_manager

    deleted = users.delete_organizations_organization_id_users_user_id(ORG, created.id)
    assert isinstance(deleted, sp.User) and deleted.id == created.id
    ana.refresh_from_db()
    assert not ana.is_active and User.objects.filter(pk=ana.pk).exists()
    assert call("GET", f"{v1}/components", ana_key).status_code == 401
    entry = AuditLog.objects.get(action="user.deactivate")
    assert (entry.before, entry.after) == ({"is_active": True}, {"is_active": False})
    assert created.id not in {u.id for u in users.get_organizations_organization_id_users(ORG)}
    refused(
        lambda: permissions.get_organizations_organization_id_permissions_user_id(ORG, created.id),
        404,
    )
    refused(lambda: users.delete_organizations_organization_id_users_user_id(ORG, created.id), 404)


def test_a_new_user_can_be_made_a_manager_and_ids_stay_stable(client_for, admin_key, call):
    answer = call(
        "POST",
        f"{ORGS}/users",
        admin_key,
        {"user": {"email": "bo@example.com", "role": INCIDENT_MANAGERS}},
    )
    assert answer.status_code == 201
    assert list(by_email("bo@example.com").groups.values_list("name", flat=True)) == [
        INCIDENT_MANAGERS
    ]
    listed = sp.UsersApi(client_for(admin_key)).get_organizations_organization_id_users(ORG)
    assert answer.json()["id"] in {u.id for u in listed}


def test_another_organization_is_not_found(client_for, admin_key):
    api = client_for(admin_key)
    before = users_state()
    error = refused(lambda: sp.UsersApi(api).get_organizations_organization_id_users("other"), 404)
    assert error
    refused(
        lambda: sp.UsersApi(api).post_organizations_organization_id_users(new_user(), "other"),
        404,
    )
    assert users_state() == before


@pytest.mark.parametrize("role", ["manager", "support"])
def test_page_staff_may_not_manage_users(client_for, role, manager_key, support_key, support_user):
    api = client_for({"manager": manager_key, "support": support_key}[role])
    users, permissions = sp.UsersApi(api), sp.PermissionsApi(api)
    before = users_state()
    refused(lambda: users.get_organizations_organization_id_users(ORG), 403)
    refused(lambda: users.post_organizations_organization_id_users(new_user(), ORG), 403)
    uid = public_id(support_user)  # the id is opaque: these keys may not list it
    refused(lambda: users.delete_organizations_organization_id_users_user_id(ORG, uid), 403)
    refused(
        lambda: permissions.get_organizations_organization_id_permissions_user_id(ORG, uid), 403
    )
    refused(
        lambda: permissions.put_organizations_organization_id_permissions_user_id(
            roles_body(page_configuration=True), ORG, uid
        ),
        403,
    )
    assert users_state() == before
    assert not AuditLog.objects.filter(action__startswith="user.").exists()


def test_bad_input_is_refused_and_changes_nothing(
    client_for, admin_key, admin_user, support_user, call
):
    User.objects.create_user(username="old", email="old@example.com", is_active=False)
    api = client_for(admin_key)
    users, permissions = sp.UsersApi(api), sp.PermissionsApi(api)
    admin_user.groups.add(Group.objects.get(name=INCIDENT_MANAGERS))
    before = users_state()

    for email in ("not an email", "", "root@EXAMPLE.com", "OLD@example.com"):
        error = refused(
            lambda email=email: users.post_organizations_organization_id_users(
                new_user(email), ORG
            ),
            422,
        )
        assert "email" in error
    error = refused(
        lambda: users.post_organizations_organization_id_users(
            sp.PostOrganizationsOrganizationIdUsers(
                user=sp.PostOrganizationsOrganizationIdUsersUser(
                    email="cy@example.com", password="s3cret-pass"
                )
            ),
            ORG,
        ),
        422,
    )
    assert "s3cret-pass" not in error
    answer = call(
        "POST", f"{ORGS}/users", admin_key, {"user": {"email": "cy@example.com", "role": "boss"}}
    )
    assert answer.status_code == 422 and "role" in answer.json()["error"]

    me = public_id(admin_user)
    error = refused(lambda: users.delete_organizations_organization_id_users_user_id(ORG, me), 422)
    assert "your own account" in error
    error = refused(
        lambda: permissions.put_organizations_organization_id_permissions_user_id(
            roles_body(incident_manager=True), ORG, me
        ),
        422,
    )
    assert "your own Incident managers role" in error
    support = public_id(support_user)
    answer = call(
        "PUT",
        f"{ORGS}/permissions/{support}",
        admin_key,
        {"pages": {"another0page": {"incident_manager": True}}},
    )
    assert answer.status_code == 422 and "another0page" in answer.json()["error"]
    answer = call(
        "PUT",
        f"{ORGS}/permissions/{support}",
        admin_key,
        {"pages": {"page_id": {"incident_manager": "yes"}}},
    )
    assert answer.status_code == 422
    refused(lambda: users.delete_organizations_organization_id_users_user_id(ORG, "nobody"), 404)

    assert users_state() == before
    assert not AuditLog.objects.filter(action__startswith="user.").exists()


# Property-based, as tests/api/test_properties.py but with a key that may manage users, on the
# real organization and (most of the time) real user ids: no answer reaches 500, every answer
# is JSON, and a refused request changes nothing.
ORGANIZATION_SCHEMA = schemathesis.openapi.from_wsgi("/api/openapi.json", application).include(
    path_regex="^/api/v1/organizations/"
)


def _check_organization_requests(strategy, admin_key, support_user, manager_user):
    staff_ids = [public_id(support_user), public_id(manager_user)]

    @hypothesis_settings(OPENAPI_RUN, max_examples=150)
    @given(case=strategy, data=st.data())
    def check(case, data):
        parameters = case.path_parameters or {}
        if "organization_id" in parameters:
            parameters["organization_id"] = ORG
        if "user_id" in parameters and data.draw(st.booleans(), label="real user_id"):
            parameters["user_id"] = data.draw(st.sampled_from(staff_ids), label="user_id")
        before = database_fingerprint()
        response = case.call(headers={"Authorization": f"OAuth {admin_key}"})
        where = f"{case.method} {case.formatted_path} {case.body!r:.300}"
        assert response.status_code < 500, f"{where} -> {response.status_code} {response.text}"
        content_type = (response.headers.get("content-type") or [""])[0]
        assert content_type.startswith("application/json"), where
        if 400 <= response.status_code < 500:
            assert database_fingerprint() == before, f"{where} was refused but changed data"

    check()


@pytest.mark.django_db
def test_no_valid_organization_request_reaches_a_server_error(
    admin_key,
    support_user,
    manager_user,
    keep_test_connection,  # noqa: F811
    settings,
):
    settings.API_RATE = "1000000/m"
    _check_organization_requests(
        ORGANIZATION_SCHEMA.as_strategy(GenerationMode.POSITIVE),
        admin_key,
        support_user,
        manager_user,
    )


@pytest.mark.django_db
def test_no_invalid_organization_request_reaches_a_server_error_or_changes_anything(
    admin_key,
    support_user,
    manager_user,
    keep_test_connection,  # noqa: F811
    settings,
):
    settings.API_RATE = "1000000/m"
    _check_organization_requests(
        ORGANIZATION_SCHEMA.as_strategy(GenerationMode.NEGATIVE),
        admin_key,
        support_user,
        manager_user,
    )
