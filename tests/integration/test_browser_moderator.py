"""The moderator's journey (ARCHITECTURE.md §2.3) in real Chromium against
daphne, PostgreSQL and Redis: the review queue by weight with reasons and the
author's reply; dismiss, hide with a public reason, restore, edit with a note,
merge duplicates, lock a thread, suspend a member; each act in the audit log,
and what readers then see."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from claims.models import Claim
from deliberation import services
from deliberation.models import Comment, Membership, ModerationAction
from tests.factories import DebateFactory, MembershipFactory, UserFactory, make_claim
from tests.integration.browsing import VIEWPORT, Console, Requests, off_the_loop, shot
from tests.integration.conftest import session_cookie

pytestmark = [
    pytest.mark.services,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

DONE = "Done; the audit log has a record of it."


@pytest.fixture
def forum():
    return off_the_loop(_forum)


def _forum():
    debate = DebateFactory(question="Should the city keep its street cameras?")
    moderator = MembershipFactory(debate=debate, role="moderator").user
    author = MembershipFactory(debate=debate, user=UserFactory(username="ada")).user
    troll = MembershipFactory(debate=debate, user=UserFactory(username="troll")).user
    flaggers = [MembershipFactory(debate=debate).user for _ in range(2)]
    thesis = make_claim(debate, text="The city should keep its street cameras.")
    vague = make_claim(
        debate,
        thesis,
        text="Cameras are good and also cheap and people like them.",
        author=author,
    )
    spammed = make_claim(debate, thesis, stance="con", text="Footage leaks online.")
    original = make_claim(
        debate, thesis, text="Street cameras deter burglaries at night."
    )
    duplicate = make_claim(
        debate, thesis, text="Street cameras deter burglaries during the night."
    )
    rude = services.comment_add(
        user=troll, claim=thesis, body="Only idiots believe this."
    )
    for user, reason in zip(flaggers, ("unsupported", "not_single"), strict=True):
        services.flag_create(user=user, item=vague, reason=reason)
    reply = "It is one claim: cameras are worth what they cost."
    flag = vague.flags.order_by("pk").first()
    services.flag_reply(user=author, flag=flag, body=reply)
    services.flag_create(user=flaggers[0], item=spammed, reason="spam")
    services.flag_create(
        user=flaggers[1], item=rude, reason="abusive", note="Name-calling."
    )
    return {
        "debate": debate,
        "moderator": moderator,
        "troll": troll,
        "thesis": thesis,
        "vague": vague,
        "spammed": spammed,
        "original": original,
        "duplicate": duplicate,
        "rude": rude,
        "reply": reply,
    }


def test_moderator_journey(browser, asgi_server, forum):
    debate, thesis = forum["debate"], forum["thesis"]
    vague, spammed, rude = forum["vague"], forum["spammed"], forum["rude"]
    requests, console = Requests(), Console()
    context = requests.watch(browser.new_context(viewport=VIEWPORT))
    context.set_default_timeout(10_000)
    context.add_cookies([session_cookie(forum["moderator"], asgi_server)])
    desk = console.watch(context.new_page())
    reader = console.watch(
        requests.watch(browser.new_context(viewport=VIEWPORT)).new_page()
    )
    d = f"{asgi_server}/d/{debate.slug}"

    # The queue: heaviest first, with the reasons and the author's reply.
    desk.goto(f"{d}/moderation/")
    items = desk.locator("#queue-heading ~ article.queue-item")
    expect(items).to_have_count(3)
    first = items.nth(0)
    expect(first).to_have_attribute("id", f"queue-claim-{vague.pk}")
    expect(first.locator(".meta").first).to_contain_text(
        "weight 2.0 · 2 flaggers · Not a single claim, Unsupported"
    )
    expect(first.locator("ul.flags")).to_contain_text(
        f"Author's reply: {forum['reply']}"
    )
    expect(first.locator("blockquote")).to_have_text(vague.text)
    shot(desk, "moderation-queue.png")

    # Dismiss: the spam flag was wrong; the claim leaves the queue.
    spam_item = desk.locator(f"#queue-claim-{spammed.pk}")
    spam_item.get_by_label("Reason (public when hiding)").fill("A fair con.")
    spam_item.get_by_role("button", name="Dismiss flags").click()
    expect(desk.locator(".messages")).to_contain_text(DONE)
    expect(desk.locator(f"#queue-claim-{spammed.pk}")).to_have_count(0)

    # Hide the rude comment with a public reason: readers see only the reason.
    rude_item = desk.locator(f"#queue-comment-{rude.pk}")
    expect(rude_item.locator("ul.flags")).to_contain_text("Uncivil or abusive by")
    rude_item.get_by_label("Reason (public when hiding)").fill("Name-calling")
    rude_item.get_by_role("button", name="Hide").click()
    expect(desk.locator(".messages")).to_contain_text(DONE)
    reader.goto(f"{d}/claims/{thesis.pk}/")
    comment = reader.locator(f"#comment-{rude.pk}")
    expect(comment).to_contain_text("Hidden by a moderator: Name-calling")
    expect(comment).not_to_contain_text("idiots")

    # Restore it on second thought: the text is back for readers.
    desk.goto(f"{d}/comments/{rude.pk}/moderate/")
    desk.get_by_label("Reason").fill("Reworded by the author.")
    desk.get_by_role("button", name="Restore").click()
    expect(desk.locator(".messages")).to_contain_text(DONE)
    reader.reload()
    expect(reader.locator(f"#comment-{rude.pk}")).to_contain_text(
        "Only idiots believe this."
    )

    # Edit the vague claim with a note, from "More actions…" in the queue.
    desk.goto(f"{d}/moderation/")
    desk.locator(f"#queue-claim-{vague.pk}").get_by_role(
        "link", name="More actions…"
    ).click()
    desk.get_by_label("Reason").fill("Kept to a single claim.")
    desk.get_by_label("Claim:", exact=True).fill("Cameras are worth what they cost.")
    desk.get_by_role("button", name="Save edit").click()
    expect(desk.locator(".messages")).to_contain_text(DONE)
    reader.goto(f"{d}/claims/{vague.pk}/")
    expect(reader.locator("#focus-text")).to_have_text(
        "Cameras are worth what they cost."
    )
    expect(reader.locator(".moderator-note")).to_have_text(
        "Edited by a moderator: Kept to a single claim."
    )

    # Merge the duplicates, from the page the queue links to.
    desk.goto(f"{d}/moderation/")
    desk.get_by_role("link", name="Likely duplicates").click()
    original, duplicate = forum["original"], forum["duplicate"]
    pair = desk.locator(f"#pair-{original.pk}-{duplicate.pk}")
    expect(pair.locator(".duplicate-pair li")).to_have_count(2)
    alike = pair.locator(".badge").text_content()  # "NN % alike", as the server scored
    shot(desk, "moderation-duplicates.png")
    pair.get_by_role(
        "button", name=f"Merge #{duplicate.pk} into #{original.pk}"
    ).click()
    expect(desk.locator(".messages")).to_contain_text(DONE)
    expect(desk.locator(f"#pair-{original.pk}-{duplicate.pk}")).to_have_count(0)
    assert Claim.objects.get(pk=duplicate.pk).link_to_id == original.pk

    # Lock the thread: readers are told no new claims, votes or comments.
    desk.goto(f"{d}/claims/{thesis.pk}/moderate/")
    desk.get_by_label("Reason").fill("Cooling off until Monday.")
    desk.get_by_role("button", name="Lock thread").click()
    expect(desk.locator(".messages")).to_contain_text(DONE)
    reader.goto(f"{d}/claims/{thesis.pk}/")
    expect(reader.locator(".focus-claim")).to_contain_text(
        "Locked: no new claims, votes or comments"
    )

    # Suspend the troll for a week, with a justification.
    troll = Membership.objects.get(debate=debate, user=forum["troll"])
    desk.goto(f"{d}/members/")
    row = desk.locator(f"#member-{troll.pk}")
    row.get_by_label("Days").fill("7")
    row.get_by_label("Justification").fill("Repeated name-calling after warnings.")
    row.get_by_role("button", name="Suspend").click()
    expect(desk.locator(".messages")).to_contain_text(DONE)
    expect(desk.locator(f"#member-{troll.pk} td").nth(2)).to_contain_text(
        "Suspended until"
    )

    # Every act is in the audit log, newest first, with its reason.
    desk.goto(f"{d}/moderation/")
    desk.get_by_role("link", name="Audit log").click()
    entries = desk.locator("ol.audit-log > li")
    expect(entries).to_have_count(7)
    seen = [
        (
            entries.nth(n).locator("strong").inner_text(),
            entries.nth(n).locator("p").nth(1).inner_text()
            if entries.nth(n).locator("p").count() > 1
            else "",
        )
        for n in range(7)
    ]
    assert seen == [
        ("Suspended", "Repeated name-calling after warnings."),
        ("Locked", "Cooling off until Monday."),
        ("Merged", f"Likely duplicate ({alike})."),
        ("Edited", "Kept to a single claim."),
        ("Restored", "Reworded by the author."),
        ("Hid", "Name-calling"),
        ("Dismissed flags", "A fair con."),
    ]
    shot(desk, "moderation-log.png")
    assert ModerationAction.objects.filter(debate=debate).count() == 7
    assert Comment.objects.get(pk=rude.pk).hidden_at is None
    assert console.errors == []  # none refused by the content security policy
    assert requests.origins() == {urlsplit(asgi_server).netloc}
