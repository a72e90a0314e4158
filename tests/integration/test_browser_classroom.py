"""The classroom journey in real Chromium against daphne, PostgreSQL and Redis:
a teacher makes a class, two pupils join with the code in their own browsers,
the teacher gives sides and opens phases, pupils argue, annotate and vote, and
the teacher's dashboard shows it without a reload. Screenshots of each screen
go to docs/screenshots/."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from claims.models import Annotation, Claim, Source
from deliberation.models import Debate, Membership, Vote
from tests.factories import UserFactory
from tests.integration.conftest import session_cookie

pytestmark = [
    pytest.mark.services,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


class Requests:
    """Every request any page makes, to prove none leaves the origin."""

    def __init__(self):
        self.urls = []

    def watch(self, context):
        context.on("request", lambda request: self.urls.append(request.url))
        return context

    def origins(self):
        return {urlsplit(url).netloc for url in self.urls}


def test_classroom_journey(browser, asgi_server):
    requests = Requests()
    teacher = UserFactory(username="ms-teacher")
    teacher_context = requests.watch(
        browser.new_context(viewport={"width": 1280, "height": 900})
    )
    teacher_context.add_cookies([session_cookie(teacher, asgi_server)])
    desk = teacher_context.new_page()

    # The teacher makes a class from the built-in template.
    desk.goto(f"{asgi_server}/classes/new/")
    shot(desk, "class-new.png")
    desk.get_by_role("button", name="Create").click()
    expect(desk.locator("#invite-heading")).to_have_text("Join")
    debate = Debate.objects.get(owner=teacher)
    assert (debate.mode, debate.phase) == ("classroom", "prepare")
    code = desk.locator(".join-code").inner_text()
    assert code == debate.join_code

    # Two pupils join with the code in their own browsers: no account, no email.
    pupils = {}
    for name in ("Robin", "Sasha"):
        context = requests.watch(
            browser.new_context(viewport={"width": 1280, "height": 900})
        )
        page = context.new_page()
        page.goto(f"{asgi_server}/join/{code}/")
        page.get_by_label("Pseudonym").fill(name)
        if name == "Robin":
            shot(page, "class-join.png")
        page.get_by_role("button", name="Join").click()
        expect(page.locator("[data-phase-label]")).to_have_text("Prepare")
        pupils[name] = page
    robin = Membership.objects.get(debate=debate, pseudonym="Robin")
    sasha = Membership.objects.get(debate=debate, pseudonym="Sasha")
    assert robin.guest and sasha.guest and robin.user.email == ""

    # The teacher gives sides by hand and opens the opening phase.
    desk.reload()
    desk.locator(f"#side-{robin.pk}").select_option("for")
    desk.locator(f"#side-{sasha.pk}").select_option("against")
    desk.get_by_role("button", name="Save sides and teams").click()
    desk.get_by_role("button", name="Open the opening phase").click()
    expect(desk.locator(".class-summary [data-field=phase]")).to_have_text("Opening")
    expect(pupils["Robin"].locator("[data-phase-reload]")).to_be_visible()

    # Pupils add claims for their own side under the first thesis.
    thesis = Claim.objects.filter(debate=debate, depth=1).order_by("path").first()
    for name, stance, text in (
        ("Robin", "pro", "Cameras found wanted people in a stadium crowd."),
        ("Sasha", "con", "Nobody can check how the matching decides."),
    ):
        page = pupils[name]
        page.goto(f"{asgi_server}/d/{debate.slug}/claims/{thesis.pk}/")
        expect(page.locator("[data-phase-label]")).to_have_text("Opening")
        page.locator(f"input[name=stance][value={stance}]").check()
        page.locator(".add-claim textarea[name=text]").fill(text)
        page.get_by_role("button", name="Add claim").click()
        expect(page.locator(".messages")).to_contain_text("Your claim was added.")
    shot(pupils["Robin"], "class-pupil-opening.png")
    robin_claim = Claim.objects.get(debate=debate, author=robin.user)
    assert (robin_claim.stance, Claim.objects.get_parent(robin_claim).pk) == (
        "pro",
        thesis.pk,
    )

    # Robin links a passage of a source as evidence for the new claim.
    source = Source.objects.filter(debate=debate).order_by("pk").first()
    passage = source.text.split(". ")[0][:60]
    annotate = pupils["Robin"]
    annotate.goto(f"{asgi_server}/d/{debate.slug}/sources/{source.key}/annotate/")
    annotate.locator("textarea[name=quote]").fill(passage)
    annotate.locator("input[name=relation][value=supports]").check()
    annotate.locator("input[name=evidence_claim]").fill(f"#{robin_claim.pk}")
    annotate.get_by_role("button", name="Annotate").click()
    expect(annotate.locator(".messages")).to_be_visible()
    evidence = Annotation.objects.get(debate=debate, creator=robin.user)
    assert (evidence.relation, evidence.evidence_claim_id) == (
        "supports",
        robin_claim.pk,
    )

    # Voting: the teacher opens it; the dashboard then follows the votes live.
    desk.goto(f"{asgi_server}/d/{debate.slug}/class/")
    desk.locator(".phase-buttons button[value=voting]").click()
    expect(desk.locator(".class-summary [data-field=phase]")).to_have_text("Voting")
    expect(desk.locator(".class-summary [data-field=votes]")).to_have_text("0")
    desk.wait_for_timeout(500)  # let the dashboard's websocket connect
    dashboard_url = desk.url
    sasha_claim = Claim.objects.get(debate=debate, author=sasha.user)
    for name, claim in (("Robin", sasha_claim), ("Sasha", robin_claim)):
        page = pupils[name]
        page.goto(f"{asgi_server}/d/{debate.slug}/claims/{thesis.pk}/")
        page.locator(f"#claim-{claim.pk} button.vote.disagree").click()
        expect(
            page.locator(f"#claim-{claim.pk} button.vote.disagree")
        ).to_have_attribute("aria-pressed", "true")
    expect(desk.locator(".class-summary [data-field=votes]")).to_have_text(
        "2", timeout=2000
    )
    assert desk.url == dashboard_url  # no reload: the live part was fetched
    expect(desk.locator(f"tr[data-member='{robin.pk}'] td").nth(4)).to_have_text("1")
    shot(desk, "class-dashboard.png")
    assert Vote.objects.filter(claim__debate=debate).count() == 2
    shot(pupils["Sasha"], "class-pupil-voting.png")

    # Nothing was fetched from another origin by any page.
    assert requests.origins() == {urlsplit(asgi_server).netloc}
