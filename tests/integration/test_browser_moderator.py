"""The moderator's journey (ARCHITECTURE.md §2.3) in real Chromium against
daphne, PostgreSQL and Redis: the review queue by weight with reasons, the
author named and their one reply; a bulk dismissal; dismiss, hide with a
public reason, restore, edit with a note, merge duplicates, lock a thread
(replies stop, votes count), suspend a member, warn one from their member
page; each act in the audit log with the item's text and what changed,
filtered and exported, and what readers then see; the pages at 360 px."""

import csv
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
    # Two claims flagged off-topic by one reader who was wrong twice.
    aside = [
        make_claim(debate, thesis, text=f"Cameras also film traffic, point {n}.")
        for n in (1, 2)
    ]
    for claim in aside:
        services.flag_create(user=flaggers[0], item=claim, reason="off_topic")
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
        "aside": aside,
        "author": author,
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

    # The queue: heaviest first, with the reasons, the author and their reply.
    desk.goto(f"{d}/moderation/")
    items = desk.locator("#queue-heading ~ article.queue-item")
    expect(items).to_have_count(5)
    first = items.nth(0)
    expect(first).to_have_attribute("id", f"queue-claim-{vague.pk}")
    expect(first.locator(".meta").first).to_contain_text(
        "by ada · weight 2.0 · 2 flaggers · Not a single claim, Unsupported"
    )
    expect(first).to_contain_text(f"Author's reply: {forum['reply']}")
    expect(first.get_by_text("Author's reply:")).to_have_count(1)  # one reply
    expect(first.locator("blockquote")).to_have_text(vague.text)
    shot(desk, "moderation-queue.png")

    # Bulk: tick the two off-topic items, dismiss both with one reason.
    for claim in forum["aside"]:
        desk.get_by_label(f"Tick claim {claim.pk}").check()
    desk.get_by_label("Act").select_option("dismiss")
    desk.locator("#bulk-reason").fill("Traffic cameras are on topic.")
    desk.get_by_role("button", name="Apply to ticked items").click()
    expect(desk.locator(".messages")).to_contain_text("Done on 2 items")
    expect(items).to_have_count(3)

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

    # Lock the thread: replies stop, votes still count; readers are told so.
    desk.goto(f"{d}/claims/{thesis.pk}/moderate/")
    desk.get_by_label("Reason").fill("Cooling off until Monday.")
    desk.get_by_role("button", name="Lock thread").click()
    expect(desk.locator(".messages")).to_contain_text(DONE)
    reader.goto(f"{d}/claims/{thesis.pk}/")
    expect(reader.locator(".focus-claim")).to_contain_text(
        "Locked: no new claims or comments (votes still count)"
    )
    assert (
        off_the_loop(
            lambda: (
                services.vote_cast(
                    user=forum["author"],
                    claim=Claim.objects.get(pk=thesis.pk),
                    stance="agree",
                ).pk
            )
        )
        == thesis.pk
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

    # The troll's member page: their comment, the flag on it, the acts; warn.
    desk.locator(f"#member-{troll.pk}").get_by_role("link", name="troll").click()
    expect(desk.locator("#member-heading")).to_have_text("troll")
    expect(desk.locator("#contrib-heading ~ ul").nth(2)).to_contain_text(
        "Only idiots believe this."
    )
    expect(desk.locator("#received-heading + ul")).to_contain_text(
        "Uncivil or abusive on their comment"
    )
    desk.get_by_label("Justification").fill("Name-calling again means removal.")
    desk.get_by_role("button", name="Warn").click()
    expect(desk.locator(".messages")).to_contain_text(DONE)
    expect(desk.locator("#acts-heading + ol")).to_contain_text("Warned")
    shot(desk, "moderation-member.png")

    # Every act is in the audit log, newest first, with its reason, the
    # item's text and what changed.
    desk.get_by_role("link", name="Audit log").click()
    assert urlsplit(desk.url).path == f"/d/{debate.slug}/moderation-log/"
    entries = desk.locator("ol.audit-log > li")
    expect(entries).to_have_count(10)
    seen = [
        (
            entries.nth(n).locator("strong").inner_text(),
            entries.nth(n).locator("p").nth(1).inner_text()
            if entries.nth(n).locator("p").count() > 1
            else "",
        )
        for n in range(10)
    ]
    bulk = ("Dismissed flags", "Reason: Traffic cameras are on topic.")
    assert seen == [
        ("Warned", "Reason: Name-calling again means removal."),
        ("Suspended", "Reason: Repeated name-calling after warnings."),
        ("Locked", "Reason: Cooling off until Monday."),
        ("Merged", f"Reason: Likely duplicate ({alike})."),
        ("Edited", "Reason: Kept to a single claim."),
        ("Restored", "Reason: Reworded by the author."),
        ("Hid", "Reason: Name-calling"),
        ("Dismissed flags", "Reason: A fair con."),
        bulk,
        bulk,
    ]
    edited = desk.locator("ol.audit-log > li").nth(4)
    expect(edited.locator("blockquote")).to_have_text(
        "Cameras are worth what they cost."
    )
    expect(edited.locator("dl.audit-changes")).to_contain_text(
        "Cameras are good and also cheap and people like them. → "
        "Cameras are worth what they cost."
    )
    # Filtered to one act, and the same as CSV.
    desk.get_by_label("Act").select_option("suspend")
    desk.get_by_role("button", name="Filter").click()
    expect(entries).to_have_count(1)
    with desk.expect_download() as download:
        desk.get_by_role("link", name="Download as CSV").click()
    with open(download.value.path(), encoding="utf-8") as exported:
        rows = list(csv.reader(exported))
    assert [(r[1], r[3], r[5], r[7]) for r in rows[1:]] == [
        ("Suspended", "membership", "troll", "Repeated name-calling after warnings.")
    ]
    desk.get_by_role("link", name="Clear").click()
    desk.set_viewport_size({"width": 1366, "height": 900})
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1366
    shot(desk, "moderation-log.png")
    assert ModerationAction.objects.filter(debate=debate).count() == 10

    # At 360 px no moderation page scrolls sideways.
    phone = console.watch(
        requests.watch(browser.new_context(viewport={"width": 360, "height": 780}))
    )
    phone.add_cookies([session_cookie(forum["moderator"], asgi_server)])
    small = phone.new_page()
    for page in ("moderation/", "members/", f"members/{troll.pk}/", "moderation-log/"):
        small.goto(f"{d}/{page}")
        width = small.evaluate("document.documentElement.scrollWidth")
        wide = small.evaluate(  # what sticks out, to say so if any does
            "[...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > 361)"
            ".map(e => e.tagName + '.' + e.className).slice(0, 12)"
        )
        assert width <= 360, (page, width, wide)
        shot(small, f"moderation-360-{page.strip('/').replace('/', '-')}.png")
    assert Comment.objects.get(pk=rude.pk).hidden_at is None
    assert console.errors == []  # none refused by the content security policy
    assert requests.origins() == {urlsplit(asgi_server).netloc}
