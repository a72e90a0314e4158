"""A class on a 360x740 phone in real Chromium (issue 17): no page of a class
scrolls sideways for the teacher, a pupil or an anonymous reader; a pupil
goes from the join page to her first vote in one page load and votes ten
times without another; a refused claim keeps its text; a phase change
reaches an open pupil page within 2 s without a reload. Screenshots of the
class pages, phone and desktop, go to docs/screenshots/ (REFRESH_SCREENSHOTS=1)."""

import pytest
from playwright.sync_api import expect

from claims.models import Annotation, Claim, Source
from claims.services import annotation_create
from deliberation import services
from deliberation.models import Comment, Debate, Membership, Vote
from deliberation.services.analysis import analysis_run
from tests.factories import UserFactory
from tests.integration.browsing import off_the_loop, shot
from tests.integration.conftest import session_cookie

pytestmark = [
    pytest.mark.services,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 900}


def _scene():
    """A class from the template with two pupils on sides, a claim, a comment
    and an evidence link by Robin, a vote by Sasha, and a group copy."""
    teacher = UserFactory(username="ms-rivera")
    debate = services.class_create(
        owner=teacher,
        start="template",
        name="10B Civics · Tuesday",
        description="Predictive policing, one lesson, two sides.",
    )
    robin = services.guest_join(debate=debate, pseudonym="Robin")
    sasha = services.guest_join(debate=debate, pseudonym="Sasha")
    services.sides_set(
        user=teacher,
        debate=debate,
        assignments={robin.pk: ("for", "For 1"), sasha.pk: ("against", "Against 1")},
    )
    services.phase_set(user=teacher, debate=debate, phase="opening")
    (copy, _) = services.group_copies_create(user=teacher, debate=debate)
    thesis = Claim.objects.filter(debate=debate, depth=1).order_by("path").first()
    claim = services.claim_contribute(
        user=robin.user,
        parent=thesis,
        stance="pro",
        text="Cameras found wanted people in a stadium crowd.",
    )
    source = Source.objects.filter(debate=debate).order_by("pk").first()
    evidence = annotation_create(
        debate=debate,
        source=source,
        quote=source.text.split(". ")[0][:40],
        creator=robin.user,
        evidence_claim=claim,
        relation=Annotation.Relation.SUPPORTS,
        body="The report says so in its first lines.",
    )
    services.phase_set(user=teacher, debate=debate, phase="voting")
    services.vote_cast(user=sasha.user, claim=claim, stance="disagree")
    services.phase_set(user=teacher, debate=debate, phase="reflection")
    comment = Comment.objects.create(
        debate=debate, claim=thesis, author=robin.user, body="Worth a pilot first."
    )
    services.phase_set(user=teacher, debate=debate, phase="voting")
    # Two camps of voters, so the analysis page draws its opinion map.
    claims = list(
        Claim.objects.filter(debate=debate, depth=2, link_to=None).order_by("path")
    )[:8]
    for n in range(12):
        voter = services.guest_join(debate=debate, pseudonym=f"Voter {n + 1}").user
        for i, each in enumerate(claims):
            agree = (i < 4) == (n < 6)
            services.vote_cast(
                user=voter, claim=each, stance="agree" if agree else "disagree"
            )
    analysis_run(debate=debate)
    return {
        "teacher": teacher,
        "debate": Debate.objects.get(pk=debate.pk),
        "copy": copy,
        "robin": robin,
        "sasha": sasha,
        "thesis": thesis,
        "claim": claim,
        "source": source,
        "evidence": evidence,
        "comment": comment,
    }


@pytest.fixture
def scene():
    return off_the_loop(_scene)


def _pages(s, role):
    slug = s["debate"].slug
    reader = [
        f"/d/{slug}/",
        f"/d/{slug}/claims/{s['thesis'].pk}/",
        f"/d/{slug}/claims/{s['claim'].pk}/",
        f"/d/{slug}/claims/{s['claim'].pk}/history/",
        f"/d/{slug}/sources/",
        f"/d/{slug}/sources/{s['source'].key}/",
        f"/d/{slug}/annotations/{s['evidence'].pk}/",
        f"/d/{slug}/analysis/",
        f"/d/{slug}/search/?q=cameras",
        "/join/",
        f"/join/{s['debate'].join_code}/",
    ]
    if role == "anonymous":
        return reader
    pupil = [
        *reader,
        f"/d/{slug}/vote/",
        f"/d/{slug}/sources/{s['source'].key}/annotate/",
        f"/d/{slug}/flags/mine/",
        "/notifications/",
    ]
    if role == "pupil":
        return pupil
    return [
        *pupil,
        "/classes/",
        "/classes/new/",
        f"/d/{slug}/class/",
        f"/d/{slug}/class/pupils/{s['robin'].pk}/",
        f"/d/{slug}/class/erase/",
        f"/d/{slug}/members/",
        f"/d/{slug}/moderation/",
        f"/d/{slug}/moderation/log/",
        f"/d/{slug}/moderation/duplicates/",
        f"/d/{s['copy'].slug}/class/",
        f"/d/{s['copy'].slug}/",
        f"/d/{slug}/report/",
        f"/d/{slug}/summary/",
        f"/d/{slug}/claims/{s['claim'].pk}/edit/",
    ]


def _context(browser, url, user=None, viewport=PHONE, **kwargs):
    context = browser.new_context(viewport=viewport, **kwargs)
    if user is not None:
        context.add_cookies([session_cookie(user, url)])
    return context


# What sticks out on the right (to say why a page is too wide).
WIDEST = """
[...document.querySelectorAll("body *")]
  .map((el) => [el, el.getBoundingClientRect().right])
  .filter(([el, right]) => right > 361)
  .sort((a, b) => b[1] - a[1])
  .slice(0, 3)
  .map(([el, right]) =>
    `${el.tagName}.${el.className} in ${el.parentElement.className} ${right}`)
"""


def _wide_pages(page, base, paths, refused=()):
    wide = {}
    for path in paths:
        response = page.goto(f"{base}{path}")
        # Annotating is shut in the voting phase: its refusal page counts too.
        assert response.status == (403 if path in refused else 200), path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[path] = (width, page.evaluate(WIDEST))
    return wide


def test_no_page_of_a_class_scrolls_sideways_on_a_phone(browser, asgi_server, scene):
    slug = scene["debate"].slug
    # The anonymous reader reads the class once the teacher makes it public.
    Debate.objects.filter(pk=scene["debate"].pk).update(visibility="public")
    for role, user in (
        ("teacher", scene["teacher"]),
        ("pupil", scene["robin"].user),
        ("anonymous", None),
    ):
        page = _context(browser, asgi_server, user).new_page()
        refused = (
            [f"/d/{slug}/sources/{scene['source'].key}/annotate/"]
            if role == "pupil"
            else []
        )
        assert _wide_pages(page, asgi_server, _pages(scene, role), refused) == {}, role
        page.context.close()

    # Screenshots: phone and desktop, of the pages a class lives on.
    phone = _context(browser, asgi_server, scene["teacher"]).new_page()
    phone.goto(f"{asgi_server}/classes/")
    shot(phone, "phone-my-classes.png", full_page=False)
    phone.goto(f"{asgi_server}/d/{slug}/class/")
    shot(phone, "phone-class-dashboard.png", full_page=False)
    phone.goto(f"{asgi_server}/d/{slug}/analysis/")
    expect(phone.locator("svg.opinion-map")).to_be_visible()
    assert phone.locator("svg.opinion-map").bounding_box()["width"] <= 340
    phone.locator("svg.opinion-map").scroll_into_view_if_needed()
    shot(phone, "phone-opinion-map.png", full_page=False)
    phone.get_by_role("button", name="Menu").click()
    expect(phone.locator("#site-nav")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    shot(phone, "phone-menu.png", full_page=False)
    pupil = _context(browser, asgi_server, scene["robin"].user).new_page()
    pupil.goto(f"{asgi_server}/d/{slug}/")
    shot(pupil, "phone-argument-map.png", full_page=False)
    desk = _context(browser, asgi_server, scene["teacher"], DESKTOP).new_page()
    desk.goto(f"{asgi_server}/classes/")
    shot(desk, "my-classes.png")
    desk.goto(f"{asgi_server}/d/{slug}/class/pupils/{scene['robin'].pk}/")
    shot(desk, "class-pupil-work.png")


def test_a_pupil_joins_and_votes_ten_times_with_one_page_load(
    browser, asgi_server, scene
):
    debate = scene["debate"]
    page = _context(browser, asgi_server).new_page()
    page.goto(f"{asgi_server}/join/{debate.join_code}/")
    loads = []
    page.on(
        "framenavigated",
        lambda frame: loads.append(frame.url) if frame == page.main_frame else None,
    )
    page.get_by_label("Pseudonym").fill("Noor")
    page.get_by_role("button", name="Join").click()
    expect(page.locator("[data-guided-vote]")).to_be_visible()
    assert page.url == f"{asgi_server}/d/{debate.slug}/vote/"
    assert len(loads) == 1  # the join's answer is the vote page
    shot(page, "phone-guided-vote.png", full_page=False)

    for n in range(10):
        card = page.locator("[data-guided-vote] .claim-text")
        before = card.get_attribute("id")
        agree = page.get_by_role("button", name="Agree", exact=True)
        box = agree.bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"], n  # in the first screen
        agree.click()
        expect(page.locator("[data-guided-vote] .claim-text")).not_to_have_attribute(
            "id", before
        )
    noor = Membership.objects.get(debate=debate, pseudonym="Noor")
    assert Vote.objects.filter(user=noor.user, stance="agree").count() == 10
    assert len(loads) == 1  # ten votes, no page load
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_without_javascript_guided_voting_is_a_plain_post(browser, asgi_server, scene):
    debate = scene["debate"]
    page = _context(
        browser, asgi_server, scene["sasha"].user, java_script_enabled=False
    ).new_page()
    page.goto(f"{asgi_server}/d/{debate.slug}/vote/")
    first = page.locator(".claim-text").get_attribute("id")
    page.get_by_role("button", name="Agree", exact=True).click()
    expect(page.locator(".claim-text")).not_to_have_attribute("id", first)
    claim_id = int(first.split("-")[1])
    assert Vote.objects.get(user=scene["sasha"].user, claim_id=claim_id).stance == (
        "agree"
    )


def test_a_refused_claim_keeps_its_text(browser, asgi_server, scene):
    debate, thesis = scene["debate"], scene["thesis"]
    off_the_loop(
        lambda: services.phase_set(
            user=scene["teacher"], debate=debate, phase="opening"
        )
    )
    page = _context(browser, asgi_server, scene["robin"].user).new_page()
    page.goto(f"{asgi_server}/d/{debate.slug}/claims/{thesis.pk}/")
    # The form offers only her side's stance.
    expect(page.locator(".add-claim input[name=stance]")).to_have_count(1)
    text = "Footage helped find a missing child within the hour."
    page.locator(".add-claim textarea[name=text]").fill(text)
    # The phase moves on without a live event reaching her page.
    Debate.objects.filter(pk=debate.pk).update(phase="voting")
    page.get_by_role("button", name="Add claim").click()
    expect(page.locator("[role=alert]").first).to_contain_text(
        "Adding claims is not open in the voting phase."
    )
    expect(page.locator("textarea[name=text]").first).to_have_value(text)
    assert not Claim.objects.filter(text=text).exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_phase_change_reaches_an_open_pupil_page_without_reload(
    browser, asgi_server, scene
):
    debate, thesis = scene["debate"], scene["thesis"]
    off_the_loop(
        lambda: services.phase_set(
            user=scene["teacher"], debate=debate, phase="prepare"
        )
    )
    page = _context(browser, asgi_server, scene["robin"].user).new_page()
    page.goto(f"{asgi_server}/d/{debate.slug}/claims/{thesis.pk}/")
    expect(page.locator("[data-phase-label]")).to_have_text("Prepare")
    expect(page.locator(".add-claim textarea[name=text]")).to_have_count(0)
    page.evaluate("window.__sameDocument = true")
    page.wait_for_timeout(500)  # the socket connects

    off_the_loop(
        lambda: services.phase_set(
            user=scene["teacher"], debate=debate, phase="opening"
        )
    )

    expect(page.locator("[data-phase-label]")).to_have_text("Opening", timeout=2000)
    # Then the page's forms, after one fetch of the page (the 98-claim map:
    # allow for a loaded machine).
    expect(page.locator(".add-claim textarea[name=text]")).to_be_visible(timeout=5000)
    expect(page.locator("[data-phase-reload]")).to_be_hidden()
    assert page.evaluate("window.__sameDocument") is True  # no reload
    shot(page, "phone-phase-opening.png", full_page=False)
