import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_pages_send_a_csp_without_inline_scripts(client):
    response = client.get(reverse("login"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_login_page_has_no_inline_script(client):
    html = client.get(reverse("login")).content.decode()
    assert "<script>" not in html
    assert '<meta name="htmx-config"' in html
