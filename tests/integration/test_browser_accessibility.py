"""axe-core on every main page, in real Chromium against daphne: no serious
or critical violation. The pages show a class built from the template with
members, flags, annotations, votes and an analysis, as the journeys leave it."""

from urllib.parse import urlsplit

import pytest

from claims.models import Claim, Source
from deliberation import services
from deliberation.models import Membership
from deliberation.services.analysis import analysis_run
from tests.factories import UserFactory
from tests.integration.browsing import (
    VIEWPORT,
    Requests,
    axe_script,
    axe_violations,
    off_the_loop,
)
from tests.integration.conftest import session_cookie

pytestmark = [
    pytest.mark.services,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def classroom():
    return off_the_loop(_classroom)


def _classroom():
    teacher = UserFactory(username="a11y-teacher")
    debate = services.class_create(owner=teacher, start="template")
    claims = list(Claim.objects.filter(debate=debate, depth=2).order_by("path"))
    pupils = [
        services.guest_join(debate=debate, pseudonym=f"Pupil {n}").user
        for n in range(6)
    ]
    services.phase_set(user=teacher, debate=debate, phase="voting")
    for n, pupil in enumerate(pupils):
        for m, claim in enumerate(claims[:6]):
            stance = "agree" if (n < 3) == (m % 2 == 0) else "disagree"
            services.vote_cast(user=pupil, claim=claim, stance=stance)
    source = Source.objects.filter(debate=debate).order_by("pk").first()
    annotation = services.annotation_add(
        user=pupils[0],
        debate=debate,
        source=source,
        quote=source.text.split(". ")[0][:50],
        body="This passage is the crux.",
    )
    services.flag_create(user=pupils[1], item=claims[0], reason="unclear")
    analysis_run(debate=debate)
    return teacher, debate, claims[0], source, annotation


def test_main_pages_have_no_serious_violations(browser, asgi_server, classroom):
    teacher, debate, claim, source, annotation = classroom
    script = axe_script()
    d = f"/d/{debate.slug}"
    pupil = off_the_loop(
        lambda: Membership.objects.filter(debate=debate, guest=True).first().pk
    )
    as_teacher = [
        "/",
        "/classes/",
        "/classes/new/",
        "/import/",
        f"{d}/",
        f"{d}/claims/{claim.pk}/",
        f"{d}/claims/{claim.pk}/history/",
        f"{d}/claims/{claim.pk}/moderate/",
        f"{d}/sources/",
        f"{d}/annotations/{annotation.pk}/",
        f"{d}/search/?q=camera",
        f"{d}/flags/mine/",
        "/notifications/",
        f"{d}/sources/{source.key}/",
        f"{d}/sources/{source.key}/annotate/",
        f"{d}/vote/",
        f"{d}/analysis/",
        f"{d}/moderation/",
        f"{d}/moderation/duplicates/",
        f"{d}/moderation-log/",
        f"{d}/members/",
        f"{d}/members/{pupil}/",
        f"{d}/moderation/reasons/",
        f"{d}/me/",
        f"{d}/class/",
        f"{d}/class/pupils/{pupil}/",
        f"{d}/summary/",
        f"{d}/report/",
        f"{d}/class/erase/",
    ]
    anonymous = [
        "/join/",
        f"/join/{debate.join_code}/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
    ]
    # axe arrives as an inline script, which our CSP refuses (checked below):
    # only this audit context bypasses the policy.
    requests = Requests()
    teacher_context = requests.watch(
        browser.new_context(viewport=VIEWPORT, bypass_csp=True)
    )
    teacher_context.add_cookies([session_cookie(teacher, asgi_server)])
    stranger_context = requests.watch(
        browser.new_context(viewport=VIEWPORT, bypass_csp=True)
    )
    found = {}
    visits = ((teacher_context, as_teacher), (stranger_context, anonymous))
    for context, paths in visits:
        page = context.new_page()
        for path in paths:
            response = page.goto(asgi_server + path)
            assert response.status == 200, path
            violations = axe_violations(page, script)
            if violations:
                found[path] = violations
    assert found == {}
    assert requests.origins() == {urlsplit(asgi_server).netloc}


def test_the_audit_needs_the_csp_bypass(browser, asgi_server):
    page = browser.new_page()
    page.goto(f"{asgi_server}/accounts/login/")
    with pytest.raises(Exception, match="Content Security Policy|Refused"):
        page.add_script_tag(path=str(axe_script()))
    assert page.evaluate("typeof window.axe") == "undefined"
