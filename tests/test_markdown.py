import pytest
from django.urls import reverse

from incidents.markdown import render_markdown


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<svg><script>alert(1)</script></svg>",
        '<iframe src="https://evil.example"></iframe>',
        '<div style="background:url(javascript:alert(1))">x</div>',
        "![x](javascript:alert(1))",
    ],
)
def test_markdown_drops_script_handlers_and_javascript_urls(attack):
    html = render_markdown(attack).lower()
    assert "<script" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    assert "<iframe" not in html
    assert "style=" not in html


def test_markdown_keeps_formatting_and_safe_links():
    html = render_markdown("**Fixed** — see [details](https://example.com/x)\n\n- one\n- two")
    assert "<strong>Fixed</strong>" in html
    assert 'href="https://example.com/x"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "<li>one</li>" in html


def test_markdownx_preview_needs_staff(client, django_user_model):
    url = reverse("markdownx_markdownify")
    assert client.post(url, {"content": "**x**"}).status_code == 403
    reader = django_user_model.objects.create_user("reader", password="pw")
    client.force_login(reader)
    assert client.post(url, {"content": "**x**"}).status_code == 403


def test_markdownx_preview_for_staff_is_sanitized(support_client):
    response = support_client.post(
        reverse("markdownx_markdownify"), {"content": "**x** <script>alert(1)</script>"}
    )
    assert response.status_code == 200
    assert "<strong>x</strong>" in response.text
    assert "<script" not in response.text


def test_markdownx_upload_needs_staff(client):
    assert client.post(reverse("markdownx_upload")).status_code == 403
