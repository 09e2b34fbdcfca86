import pytest

from incidents.pods.services import account_upsert


@pytest.fixture
def accounts(pods):
    """acme on Pod 13, globex on Pod 14."""
    return {
        "acme": account_upsert("acme", pods["Pod 13"])[0],
        "globex": account_upsert("globex", pods["Pod 14"])[0],
    }
