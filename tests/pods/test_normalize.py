import pytest
from django.core.exceptions import ValidationError

from incidents.pods.services import normalize_identifier


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("acme", "acme"),
        ("  ACME \n", "acme"),
        ("acme.example.com", "acme"),
        ("Acme.Example.com.", "acme"),
        ("https://acme.example.com/agent/tickets?x=1#top", "acme"),
        ("http://ACME.example.com:8443", "acme"),
        ("acme.example.com/path", "acme"),
        ("acme.example.com:443", "acme"),
        ("my-shop_2", "my-shop_2"),
        ("12345", "12345"),
        ("bücher.example.com", "xn--bcher-kva"),
    ],
)
def test_identifiers_are_stored_normalized(typed, stored):
    assert normalize_identifier(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "https://", "-acme", "acme-", "ac me", "a" * 64, "acme!.example.com", "[::1"],
)
def test_unusable_identifiers_are_refused(typed):
    with pytest.raises(ValidationError):
        normalize_identifier(typed)
