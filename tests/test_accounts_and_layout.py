import pytest
from django.contrib.auth import get_user_model

from claims.markdown import render_markdown

pytestmark = pytest.mark.django_db


def test_sign_up_with_username_only_then_log_out_and_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "pupil7",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
        },
    )

    assert response.status_code == 302
    user = get_user_model().objects.get(username="pupil7")
    assert user.email == ""
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session
    response = client.post(
        "/accounts/login/", {"login": "pupil7", "password": "a-long-pass-phrase-42"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_wrong_password_does_not_log_in(client):
    get_user_model().objects.create_user("amy", password="right-password-99")

    response = client.post("/accounts/login/", {"login": "amy", "password": "wrong"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_pages_carry_strict_csp_and_accessible_landmarks(client):
    response = client.get("/")

    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    html = response.content.decode()
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html and 'role="banner"' in html
    assert 'role="contentinfo"' in html and 'aria-label="Main"' in html
    assert "<script>" not in html and "http://" not in html.replace(
        "http://www.w3.org", ""
    )


def test_account_pages_use_the_base_layout(client):
    html = client.get("/accounts/signup/").content.decode()

    assert '<a class="skip-link" href="#main">' in html
    assert 'name="username"' in html and 'name="email"' in html


def test_markdown_is_sanitised_and_links_marked_ugc():
    html = render_markdown(
        "**ok** <script>alert(1)</script> [x](javascript:alert(1)) [y](https://e.org)"
    )

    assert "<strong>ok</strong>" in html
    assert "<script" not in html and "javascript:" not in html
    assert '<a href="https://e.org" rel="nofollow ugc noopener">y</a>' in html
