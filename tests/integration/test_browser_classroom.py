"""The classroom journey in real Chromium against daphne, PostgreSQL and Redis:
a teacher makes a class, two pupils join with the code in their own browsers,
the teacher gives sides and opens phases, pupils argue, annotate and vote, and
the teacher's dashboard shows it without a reload. Screenshots of each screen
go to docs/screenshots/ (with REFRESH_SCREENSHOTS=1)."""

import csv
import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from claims.models import Annotation, Claim, Source
from deliberation import services
from deliberation.models import Comment, Debate, Membership, Snapshot, Vote
from tests.factories import UserFactory
from tests.integration.browsing import Requests, off_the_loop, shot
from tests.integration.conftest import session_cookie

pytestmark = [
    pytest.mark.services,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

User = get_user_model()


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
    desk.get_by_label("Name of the class").fill("10B Civics")
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
    # An open pupil page takes the new phase in place: no reload asked.
    expect(pupils["Robin"].locator("[data-phase-label]")).to_have_text("Opening")
    expect(pupils["Robin"].locator("[data-phase-reload]")).to_be_hidden()

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
    shot(pupils["Robin"], "class-pupil-opening.png", full_page=False)
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
    shot(pupils["Sasha"], "class-pupil-voting.png", full_page=False)

    # The teacher downloads the per-pupil CSV for grading.
    with desk.expect_download() as download:
        desk.get_by_role("link", name="Per-pupil results (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    by_name = {row["Pseudonym"]: row for row in rows}
    assert by_name["Robin"]["Side"] == "for" and by_name["Sasha"]["Side"] == "against"
    assert (by_name["Robin"]["Claims"], by_name["Robin"]["Votes cast"]) == ("1", "1")
    assert by_name["Robin"]["Evidence links"] == "1"

    # And erases the class at the end of term, keeping what was written.
    desk.goto(f"{asgi_server}/d/{debate.slug}/class/erase/")
    shot(desk, "class-erase.png")
    desk.locator("input[name=contributions][value=keep]").check()
    desk.locator("#confirm").fill("ERASE")
    desk.get_by_role("button", name="Erase the class").click()
    expect(desk.locator(".messages")).to_contain_text("The class is erased")
    assert not Membership.objects.filter(debate=debate, guest=True).exists()
    assert not User.objects.filter(pk__in=[robin.user_id, sasha.user_id]).exists()
    robin_claim.refresh_from_db()
    assert robin_claim.author_id is None  # kept, by a former participant
    # Robin's session went with the account: the private class is gone for him.
    assert pupils["Robin"].goto(f"{asgi_server}/d/{debate.slug}/").status == 404

    # Nothing was fetched from another origin by any page.
    assert requests.origins() == {urlsplit(asgi_server).netloc}


def _two_camps(debate, claims):
    """16 more participants, by services: half agree with claims 0-3 and
    disagree with 4-7, half the opposite; all agree with claim 8. Returns the
    two camps' user ids."""
    camps = ([], [])
    for n in range(16):
        user = services.guest_join(debate=debate, pseudonym=f"Voter {n + 1}").user
        for i, claim in enumerate(claims[:8]):
            stance = "agree" if (i < 4) == (n < 8) else "disagree"
            services.vote_cast(user=user, claim=claim, stance=stance)
        services.vote_cast(user=user, claim=claims[8], stance="agree")
        camps[n >= 8].append(user.pk)
    return camps


def test_workshop_journey(browser, asgi_server, asgi_worker):
    """A facilitator runs a workshop: participants come by invitation link
    with a pseudonym, comment with an alignment and vote; the facilitator runs
    the analysis and reads the opinion groups, then the summary shows the most
    supported claims and exports them."""
    requests = Requests()
    facilitator = UserFactory(username="facilitator")
    host = requests.watch(browser.new_context(viewport={"width": 1280, "height": 900}))
    host.add_cookies([session_cookie(facilitator, asgi_server)])
    desk = host.new_page()
    desk.goto(f"{asgi_server}/classes/new/")
    desk.get_by_label("Name of the class").fill("Town hall panel")
    desk.locator("input[name=mode][value=workshop]").check()
    desk.locator("input[name=start][value=template]").check()
    desk.get_by_role("button", name="Create").click()
    expect(desk.locator("#invite-heading")).to_have_text("Join")
    debate = Debate.objects.get(owner=facilitator)
    assert (debate.mode, debate.phase) == ("workshop", "")
    thesis = Claim.objects.filter(debate=debate, depth=1).order_by("path").first()
    claim = Claim.objects.filter(debate=debate, depth=2).order_by("path").first()

    stances = ["agree", "agree", "agree", "disagree"]
    for n, stance in enumerate(stances):
        page = requests.watch(browser.new_context()).new_page()
        page.goto(f"{asgi_server}/invite/{debate.invite_token}/")
        page.get_by_label("Pseudonym").fill(f"Delegate {n + 1}")
        page.get_by_role("button", name="Join with this pseudonym").click()
        page.goto(f"{asgi_server}/d/{debate.slug}/claims/{thesis.pk}/")
        page.locator(f"#claim-{claim.pk} button.vote.{stance}").click()
        expect(
            page.locator(f"#claim-{claim.pk} button.vote.{stance}")
        ).to_have_attribute("aria-pressed", "true")
        if n == 0:
            page.goto(f"{asgi_server}/d/{debate.slug}/claims/{claim.pk}/")
            form = page.locator("form.comment-form").first
            form.locator("textarea[name=body]").fill(
                "Worth testing in one district first."
            )
            form.locator("input[name=alignment][value=for]").check()
            form.get_by_role("button", name="Comment").click()
            expect(page.locator(".comment").first).to_contain_text("Worth testing")
    assert Vote.objects.filter(claim=claim).count() == 4
    assert Comment.objects.get(debate=debate).alignment == "for"

    # Enough people vote for opinion groups; the facilitator runs the analysis
    # from the page, which follows the worker until the groups are there.
    claims = list(
        Claim.objects.filter(debate=debate, depth=2, link_to=None).order_by("path")
    )
    assert claims[0] == claim
    agreeing, opposed = off_the_loop(lambda: _two_camps(debate, claims))
    desk.goto(f"{asgi_server}/d/{debate.slug}/")
    desk.get_by_role("link", name="Opinion groups").click()
    expect(desk.locator(".empty").first).to_have_text(
        "No analysis yet. Groups appear once enough people have voted."
    )
    desk.get_by_role("button", name="Run the analysis now").click()
    expect(desk.locator(".messages")).to_contain_text("The analysis is queued")
    expect(desk.get_by_role("heading", name="Opinion map")).to_be_visible(
        timeout=30_000
    )
    snapshot = Snapshot.objects.get(debate=debate)
    assert snapshot.status == Snapshot.Status.DONE
    assert snapshot.result["participants"] == 20
    # The two camps are the two groups.
    found = snapshot.result["groups"]
    assert len(found) == 2
    assert sorted(
        (len(set(g["members"]) & set(agreeing)), len(set(g["members"]) & set(opposed)))
        for g in found
    ) == [(0, 8), (8, 0)]
    rows = desk.locator("table:has(caption:text-is('Groups')) tbody tr")
    expect(rows).to_have_count(3)  # two groups and those not grouped
    assert sorted(
        int(rows.nth(n).locator("td").nth(1).inner_text()) for n in range(2)
    ) == sorted(len(g["members"]) for g in found)
    # Each group's representative claims: what it agrees with, what it rejects.
    texts = [c.text for c in claims]
    sides = []
    for n in range(2):
        table = desk.locator("section.card").nth(n).locator("tbody tr")
        shown = {
            table.nth(r).locator("td").nth(0).inner_text(): table.nth(r)
            .locator("td")
            .nth(1)
            .inner_text()
            for r in range(table.count())
        }
        assert shown and set(shown) <= set(texts[:8])
        camp_a = shown.get(texts[0]) == "agrees" or any(
            shown.get(t) == "disagrees" for t in texts[4:8]
        )
        expected = {
            t: "agrees" if (i < 4) == camp_a else "disagrees"
            for i, t in enumerate(texts[:8])
        }
        assert shown == {t: expected[t] for t in shown}
        sides.append(camp_a)
    assert sorted(sides) == [False, True]
    consensus = desk.locator("section[aria-labelledby=consensus-h] li")
    # 16 of 16 agree; shown as Pol.is's smoothed share, (16 + 1) / (16 + 2).
    expect(consensus.first).to_have_text(f"{claims[8].text} — 94 % agree")
    common = desk.locator("section[aria-labelledby=common-h] li")
    expect(common.filter(has_text=claims[8].text)).to_have_count(1)
    shot(desk, "workshop-analysis.png")

    desk.goto(f"{asgi_server}/d/{debate.slug}/summary/")
    supported = desk.locator("section[aria-labelledby=supported-h]")
    expect(supported).to_contain_text(claim.text[:40])
    shot(desk, "workshop-summary.png", full_page=False)
    with desk.expect_download() as download:
        desk.get_by_role("link", name="Markdown").click()
    markdown = Path(download.value.path()).read_text()
    assert claim.text[:40] in markdown
    assert requests.origins() == {urlsplit(asgi_server).netloc}
