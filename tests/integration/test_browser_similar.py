"""The duplicate hint in real Chromium (strict CSP, daphne, PostgreSQL):
suggestions while typing with JavaScript, one confirmation without it."""

import pytest
from playwright.sync_api import expect

from claims.models import Claim
from claims.services import claim_create
from tests.factories import DebateFactory, UserFactory
from tests.integration.conftest import session_cookie

pytestmark = [
    pytest.mark.services,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

DRAFT = "Public cameras in public spaces reduce crime."


@pytest.fixture
def scene(asgi_server):
    debate = DebateFactory()
    thesis = claim_create(debate=debate, parent=None, text="Cities should add CCTV.")
    existing = claim_create(
        debate=debate,
        parent=thesis,
        stance="pro",
        text="Cameras in public spaces reduce crime.",
    )
    url = f"{asgi_server}/d/{debate.slug}/claims/{thesis.pk}/"
    return debate, thesis, existing, url


def _page(browser, asgi_server, *, javascript: bool):
    context = browser.new_context(java_script_enabled=javascript)
    context.add_cookies([session_cookie(UserFactory(), asgi_server)])
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return page, errors


def test_suggestions_appear_while_typing(browser, asgi_server, scene):
    debate, thesis, existing, url = scene
    page, errors = _page(browser, asgi_server, javascript=True)
    page.goto(url)
    hint = page.locator("#similar-hint")
    expect(hint).to_be_hidden()

    page.locator("#id_stance_0").check()
    page.locator("#id_text").press_sequentially(DRAFT[:30], delay=5)
    page.locator("#id_text").fill(DRAFT)

    expect(hint).to_be_visible()
    link = hint.locator("a")
    expect(link).to_have_text(existing.text)
    expect(link).to_have_attribute("href", f"/d/{debate.slug}/claims/{existing.pk}/")
    expect(page.locator("[data-similar-seen]")).to_have_value("True")
    # Seen while typing: the submit posts at once.
    page.locator(".add-claim button[type=submit]").click()
    page.wait_for_url(f"{url}#claim-*")
    assert Claim.objects.filter(text=DRAFT).count() == 1
    assert errors == []  # nothing refused by the content security policy


def test_without_javascript_the_form_asks_once(browser, asgi_server, scene):
    debate, thesis, existing, url = scene
    page, _ = _page(browser, asgi_server, javascript=False)
    page.goto(url)
    page.locator("#id_stance_0").check()
    page.locator("#id_text").fill(DRAFT)
    page.locator(".add-claim button[type=submit]").click()

    expect(page.get_by_text("Is it said already?")).to_be_visible()
    assert not Claim.objects.filter(text=DRAFT).exists()
    page.get_by_role("button", name="Post it anyway").click()
    page.wait_for_url(f"{url}#claim-*")
    assert Claim.objects.filter(text=DRAFT).count() == 1
