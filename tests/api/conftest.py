import atlassian_statuspage as sp
import pytest
from django.conf import settings


@pytest.fixture
def v1():
    return f"/api/v1/pages/{settings.STATUSPAGE_PAGE_ID}"


@pytest.fixture
def call(client):
    """A JSON request with an API key, as Statuspage clients send it."""

    def request(method, path, key, body=None, **headers):
        if key:
            headers["HTTP_AUTHORIZATION"] = f"OAuth {key}"
        return getattr(client, method.lower())(
            path, data=body, content_type="application/json", **headers
        )

    return request


@pytest.fixture
def client_for(live_server):
    """The client generated from Statuspage's API description, configured as its users do,
    against the live server: `client_for(key)`."""

    def make(key):
        configuration = sp.Configuration()
        configuration.host = f"{live_server.url}/api/v1"
        configuration.api_key["Authorization"] = key
        configuration.api_key_prefix["Authorization"] = "OAuth"
        return sp.ApiClient(configuration)

    return make
