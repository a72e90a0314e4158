"""The participant's journey (ARCHITECTURE.md §2.4) in real Chromium against
daphne, PostgreSQL and Redis — by mouse, then by keyboard alone: read a source,
highlight a passage and link it as evidence, add a con (told that a similar
claim exists while typing), vote, and see another person's vote arrive live."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from claims.models import Annotation, Claim
from deliberation.models import Vote
from tests.factories import DebateFactory, UserFactory, make_claim, make_source
from tests.integration.browsing import (
    VIEWPORT,
    Console,
    Requests,
    off_the_loop,
    shot,
)
from tests.integration.conftest import session_cookie

pytestmark = [
    pytest.mark.services,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

SOURCE_TEXT = (
    "Burglaries fell by a fifth on streets with cameras. "
    "The fall was the same on nearby streets without them, "
    "which suggests the cameras were not the cause. "
    "Footage helped solve two cases out of three hundred."
)
PASSAGE = "Burglaries fell by a fifth on streets with cameras."
CON = "Burglars simply move to the streets the cameras do not see."


@pytest.fixture
def street_cameras():
    """``(debate, thesis, pro, source)``: a thesis, a pro with a con under it,
    and a source to read."""

    def build():
        debate = DebateFactory(question="Should the city add street cameras?")
        thesis = make_claim(debate, text="The city should add street cameras.")
        pro = make_claim(debate, thesis, text="Cameras deter burglars.")
        make_claim(
            debate, pro, stance="con", text="Burglars move to streets the cameras miss."
        )
        source = make_source(
            debate, key="audit", title="Camera audit 2024", text=SOURCE_TEXT
        )
        return debate, thesis, pro, source

    return off_the_loop(build)


def _passage_box(page, passage: str) -> dict:
    """Where ``passage`` starts and ends on screen in the source text."""
    return page.evaluate(
        """(passage) => {
          const box = document.querySelector(".source-text");
          const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.data.indexOf(passage);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + passage.length);
            const rects = range.getClientRects();
            const first = rects[0], last = rects[rects.length - 1];
            return {
              x1: first.left + 1, y1: first.top + first.height / 2,
              x2: last.right - 1, y2: last.top + last.height / 2,
            };
          }
          return null;
        }""",
        passage,
    )


def test_participant_journey(browser, asgi_server, street_cameras):
    debate, thesis, pro, source = street_cameras
    reader = UserFactory(username="reader")
    requests, console = Requests(), Console()
    context = requests.watch(browser.new_context(viewport=VIEWPORT))
    context.set_default_timeout(10_000)
    context.add_cookies([session_cookie(reader, asgi_server)])
    page = console.watch(context.new_page())
    d = f"{asgi_server}/d/{debate.slug}"

    # Reads the source, and highlights a passage with the mouse.
    page.goto(f"{d}/sources/{source.key}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(debate.question)
    text = page.locator(".source-text")
    expect(text).to_have_text(SOURCE_TEXT)
    text.scroll_into_view_if_needed()
    box = _passage_box(page, PASSAGE)
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()
    # The adder opens at the selection; "Evidence for" opens the form.
    page.locator(".adder").get_by_role("button", name="Evidence for").click()
    form = page.locator("form[data-annotate-form]")
    expect(form.get_by_label("Passage")).to_have_value(PASSAGE)
    expect(form.locator("[data-annotate=start]")).to_have_value("0")
    expect(form.locator("[data-annotate-status]")).to_have_text(
        f"Selected: “{PASSAGE}”. Add a comment, tags or a claim below."
    )

    # Links it as evidence for the pro.
    form.get_by_label("Comment (optional)").fill("Read on: the next streets fell too.")
    form.get_by_label("Supports", exact=True).check()
    form.get_by_label("The claim:", exact=True).fill("1.1")  # its map number
    form.get_by_role("button", name="Annotate").click()
    expect(page.locator(".messages")).to_be_visible()
    annotation = Annotation.objects.get(creator=reader)
    assert (annotation.exact, annotation.relation, annotation.evidence_claim_id) == (
        PASSAGE,
        "supports",
        pro.pk,
    )
    page.goto(f"{d}/sources/{source.key}/")
    expect(page.locator(".source-text mark.hl-supports")).to_have_text(PASSAGE)
    expect(page.locator(".source-text sup.hl-marker.supports")).to_have_count(1)
    shot(page, "source-highlights.png", full_page=False)

    # Adds a con to the pro, and is told a similar con exists while typing.
    page.goto(f"{d}/claims/{pro.pk}/")
    add = page.locator(".add-claim")
    add.locator("input[name=stance][value=con]").check()
    add.locator("textarea[name=text]").press_sequentially(CON, delay=5)
    hint = page.locator("#similar-hint")
    expect(hint).to_be_visible()
    # Most alike first: the con already there.
    expect(hint.locator("a").first).to_have_text(
        "Burglars move to streets the cameras miss."
    )
    add.get_by_role("button", name="Add claim").click()
    expect(page.locator(".messages")).to_contain_text("Your claim was added.")
    con = Claim.objects.get(text=CON)
    assert (con.stance, con.author_id, Claim.objects.get_parent(con).pk) == (
        "con",
        reader.pk,
        pro.pk,
    )

    # Votes on the pro under the thesis, then sees another person's vote live.
    page.goto(f"{d}/claims/{thesis.pk}/")
    card = page.locator(f"#claim-{pro.pk}")
    card.locator("button.vote.agree").click()
    expect(card.locator("button.vote.agree")).to_have_attribute("aria-pressed", "true")
    expect(card.locator("[data-field=agree]")).to_have_text("1")
    page.wait_for_timeout(500)  # let the websocket connect
    other = browser.new_context(viewport=VIEWPORT)
    requests.watch(other)
    other.add_cookies([session_cookie(UserFactory(username="neighbour"), asgi_server)])
    neighbour = other.new_page()
    neighbour.goto(f"{d}/claims/{thesis.pk}/")
    neighbour.locator(f"#claim-{pro.pk} button.vote.disagree").click()
    expect(card.locator("[data-field=disagree]")).to_have_text("1")
    assert page.url == f"{d}/claims/{thesis.pk}/"  # no reload
    assert sorted(Vote.objects.values_list("user__username", "stance")) == [
        ("neighbour", "disagree"),
        ("reader", "agree"),
    ]
    assert console.errors == []
    assert requests.origins() == {urlsplit(asgi_server).netloc}


FOCUSED_OUTLINE = """() => {
  const style = getComputedStyle(document.activeElement);
  return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
}"""


def _tab_to(page, selector: str, *, limit: int = 300):
    """Press Tab until ``selector`` has the focus, and check it shows."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            assert page.evaluate(FOCUSED_OUTLINE), f"no visible focus on {selector}"
            return
    trail = page.evaluate("() => document.activeElement.outerHTML.slice(0, 200)")
    raise AssertionError(f"Tab never reached {selector} (last: {trail})")


def test_keyboard_only_vote_and_annotation(browser, asgi_server, street_cameras):
    """Tab, Space and Enter (and typing into fields): no mouse, no click()."""
    debate, thesis, pro, source = street_cameras
    person = UserFactory(username="keys")
    requests, console = Requests(), Console()
    context = requests.watch(browser.new_context(viewport=VIEWPORT))
    context.add_cookies([session_cookie(person, asgi_server)])
    page = console.watch(context.new_page())
    d = f"{asgi_server}/d/{debate.slug}"

    page.goto(f"{d}/claims/{thesis.pk}/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    page.keyboard.press("Enter")  # past the header, to the debate
    _tab_to(page, f"#claim-{pro.pk} button.vote.agree")
    page.keyboard.press("Space")
    expect(page.locator(f"#claim-{pro.pk} button.vote.agree")).to_have_attribute(
        "aria-pressed", "true"
    )
    _tab_to(page, f"#claim-{pro.pk} button.vote.disagree")
    page.keyboard.press("Enter")
    expect(page.locator(f"#claim-{pro.pk} button.vote.disagree")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator(f"#claim-{pro.pk} [data-field=disagree]")).to_have_text("1")
    assert list(Vote.objects.values_list("user", "claim", "stance")) == [
        (person.pk, pro.pk, "disagree")
    ]

    page.goto(f"{d}/sources/{source.key}/")
    _tab_to(page, "[data-annotate-open]")  # the form, folded until used
    page.keyboard.press("Enter")
    expect(
        page.locator("form[data-annotate-form] textarea[name=quote]")
    ).to_be_focused()
    page.keyboard.type(PASSAGE)
    _tab_to(page, "form[data-annotate-form] textarea[name=body]")
    page.keyboard.type("Compare with the next paragraph.")
    _tab_to(page, "form[data-annotate-form] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_be_visible()
    annotation = Annotation.objects.get(creator=person)
    assert (annotation.exact, annotation.body, annotation.source_id) == (
        PASSAGE,
        "Compare with the next paragraph.",
        source.pk,
    )
    assert console.errors == []
    assert requests.origins() == {urlsplit(asgi_server).netloc}
