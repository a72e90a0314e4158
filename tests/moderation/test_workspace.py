"""The moderators' workspace (issue 18, items 1-3): names with accounts, the
member page, warnings, canned reasons, bulk acts, the audit log (text,
before/after, filters, CSV, its documented address), one meaning per act
(a lock stops replies, not votes), one reply and one notification per item,
and the owner naming roles."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import resolve

from claims.models import Claim
from deliberation import services
from deliberation.models import (
    Comment,
    Flag,
    Membership,
    ModerationAction,
    Notification,
    Vote,
)
from deliberation.selectors.moderation import DEFAULT_REASONS
from deliberation.services.membership import guest_join
from tests.api.helpers import client_for
from tests.factories import DebateFactory, MembershipFactory, UserFactory, make_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def ws():
    """A workshop: its owner, a moderator, a registered member with a
    pseudonym, a guest, three flaggers; a claim by the member."""
    debate = DebateFactory(join_code="KQ7XRT")
    owner = debate.owner
    Membership.objects.create(debate=debate, user=owner, role="owner")
    moderator = MembershipFactory(
        debate=debate, role="moderator", user=UserFactory(username="mod_mia")
    ).user
    ada = MembershipFactory(
        debate=debate, pseudonym="Ada", user=UserFactory(username="ada_account")
    )
    guest = guest_join(debate=debate, pseudonym="Hedgehog Hal")
    flaggers = [MembershipFactory(debate=debate).user for _ in range(3)]
    thesis = make_claim(debate, text="Cameras keep us safe.")
    claim = make_claim(debate, thesis, text="Crime fell by half.", author=ada.user)
    return {
        "debate": debate,
        "owner": owner,
        "moderator": moderator,
        "ada": ada,
        "guest": guest,
        "flaggers": flaggers,
        "thesis": thesis,
        "claim": claim,
    }


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    return response.status_code, response.content.decode()


# --- 1. People as moderators see them -------------------------------------------


def test_queue_names_author_and_flagger_with_account_and_never_a_guest_id(client, ws):
    debate, ada, guest = ws["debate"], ws["ada"], ws["guest"]
    comment = services.comment_add(user=guest.user, claim=ws["thesis"], body="Hm.")
    services.flag_create(user=guest.user, item=ws["claim"], reason="unclear")
    services.flag_create(user=ada.user, item=comment, reason="spam")

    status, html = _page(client, ws["moderator"], f"/d/{debate.slug}/moderation/")

    assert status == 200
    assert "Ada (account ada_account)" in html
    assert html.count("Hedgehog Hal") >= 2  # flagger of one, author of the other
    assert guest.user.username not in html
    assert f'href="/d/{debate.slug}/members/{ada.pk}/"' in html


def test_member_page_shows_contributions_flags_and_acts(client, ws):
    debate, ada = ws["debate"], ws["ada"]
    services.flag_create(user=ws["flaggers"][0], item=ws["claim"], reason="unclear")
    services.flag_create(user=ada.user, item=ws["thesis"], reason="off_topic")
    services.member_warn(
        user=ws["moderator"], membership=ada, reason="Please cite your sources."
    )

    status, html = _page(client, ws["moderator"], f"/d/{debate.slug}/members/{ada.pk}/")

    assert status == 200
    assert "Ada (account ada_account)" in html
    assert "Crime fell by half." in html
    assert "1 claim · 0 annotations · 0 comments · 1 flag raised · 1 received" in html
    assert "Warned" in html and "Please cite your sources." in html
    assert 'value="warn"' in html and 'value="suspend"' in html


@pytest.mark.parametrize("role", ["participant", "observer", "suggester"])
def test_member_page_is_for_moderators_only(client, ws, role):
    user = MembershipFactory(debate=ws["debate"], role=role).user
    status, html = _page(
        client, user, f"/d/{ws['debate'].slug}/members/{ws['ada'].pk}/"
    )
    assert status == 403
    assert "ada_account" not in html and "Crime fell" not in html


def test_warn_is_logged_and_told_and_changes_nothing_else(ws):
    ada = ws["ada"]
    row = services.member_warn(
        user=ws["moderator"], membership=ada, reason="Attack the argument, not Bob."
    )
    ada.refresh_from_db()
    assert (row.action, row.subject_id, row.reason) == (
        "warn",
        ada.user_id,
        "Attack the argument, not Bob.",
    )
    assert (ada.status, ada.role) == ("active", "participant")
    assert list(
        Notification.objects.filter(user=ada.user).values_list("text", flat=True)
    ) == [
        f"A moderator of “{ws['debate'].question}” warns you: "
        "Attack the argument, not Bob."
    ]


def test_warn_needs_a_justification(ws):
    with pytest.raises(ValidationError):
        services.member_warn(user=ws["moderator"], membership=ws["ada"], reason="no")
    assert ModerationAction.objects.count() == 0


def test_canned_reasons_default_edit_and_offer(client, ws):
    debate = ws["debate"]
    client.force_login(ws["moderator"])
    url = f"/d/{debate.slug}/moderation/reasons/"
    assert DEFAULT_REASONS[0] in client.get(url).content.decode()

    response = client.post(
        url, {"reasons": "Stay on topic\n\n  Be kind \nStay on topic"}
    )

    assert response.status_code == 302
    debate.refresh_from_db()
    assert debate.moderation_reasons == ["Stay on topic", "Be kind"]
    queue = client.get(f"/d/{debate.slug}/members/").content.decode()
    assert '<option value="Be kind">' in queue and 'list="canned-reasons"' in queue


def test_canned_reasons_are_for_moderators(client, ws):
    debate = ws["debate"]
    client.force_login(ws["ada"].user)
    response = client.post(f"/d/{debate.slug}/moderation/reasons/", {"reasons": "x"})
    assert response.status_code == 403
    debate.refresh_from_db()
    assert debate.moderation_reasons == []


def test_bulk_hide_acts_on_every_ticked_item_and_skips_what_is_resolved(client, ws):
    debate, thesis = ws["debate"], ws["thesis"]
    a = make_claim(debate, thesis, text="First.", author=ws["ada"].user)
    b = make_claim(debate, thesis, text="Second.", author=ws["ada"].user)
    for item in (a, b, ws["claim"]):
        services.flag_create(user=ws["flaggers"][0], item=item, reason="spam")
    services.flags_dismiss(user=ws["owner"], item=ws["claim"])
    client.force_login(ws["moderator"])

    response = client.post(
        f"/d/{debate.slug}/moderation/bulk/",
        {
            "action": "dismiss",
            "reason": "",
            "item": [f"claim:{a.pk}", f"claim:{b.pk}", f"claim:{ws['claim'].pk}"],
        },
        follow=True,
    )

    html = response.content.decode()
    assert "Done on 2 items" in html
    assert f"Skipped: Claim {ws['claim'].pk}" in html
    assert list(
        Flag.objects.filter(claim__in=[a, b]).values_list("status", flat=True)
    ) == ["dismissed", "dismissed"]
    assert ModerationAction.objects.filter(action="dismiss_flags").count() == 3


def test_bulk_hide_without_a_reason_acts_on_none(client, ws):
    debate = ws["debate"]
    services.flag_create(user=ws["flaggers"][0], item=ws["claim"], reason="spam")
    client.force_login(ws["moderator"])
    response = client.post(
        f"/d/{debate.slug}/moderation/bulk/",
        {"action": "hide", "item": [f"claim:{ws['claim'].pk}"]},
        follow=True,
    )
    assert "Give a reason." in response.content.decode()
    assert Claim.objects.get(pk=ws["claim"].pk).status == "visible"
    assert ModerationAction.objects.count() == 0


def test_bulk_is_refused_to_a_participant(client, ws):
    services.flag_create(user=ws["flaggers"][0], item=ws["claim"], reason="spam")
    client.force_login(ws["flaggers"][1])
    response = client.post(
        f"/d/{ws['debate'].slug}/moderation/bulk/",
        {"action": "dismiss", "item": [f"claim:{ws['claim'].pk}"]},
    )
    assert response.status_code == 403
    assert Flag.objects.get().status == "open"


# --- 2. The audit log ---------------------------------------------------------------


def test_log_lives_at_the_documented_address_and_the_old_one_redirects(client, ws):
    slug = ws["debate"].slug
    client.force_login(ws["moderator"])
    assert client.get(f"/d/{slug}/moderation-log/").status_code == 200
    old = client.get(f"/d/{slug}/moderation/log/?act=hide")
    assert (old.status_code, old["Location"]) == (
        301,
        f"/d/{slug}/moderation-log/?act=hide",
    )


def test_every_address_in_the_moderation_guide_answers(client, ws):
    """docs/moderation.md: each `/d/<slug>/...` page answers a moderator (an
    old address by redirecting), each `GET` of the API answers, and each other
    API path it names exists."""
    text = Path("docs/moderation.md").read_text()
    pages = set(re.findall(r"`(/d/<slug>/[^`]*)`", text))
    gets = set(re.findall(r"`GET (/[^`]*)`", text))
    writes = set(re.findall(r"`(?:POST|PATCH) (/[^`]*)`", text))
    assert len(pages) >= 6 and len(gets) >= 2 and len(writes) >= 2
    slug, member = ws["debate"].slug, str(ws["ada"].pk)
    client.force_login(ws["moderator"])
    for page in pages:
        url = page.replace("<slug>", slug).replace("<id>", member)
        response = client.get(url, follow=True)
        assert response.status_code == 200, page
    api = client_for(ws["moderator"])
    for path in gets:
        response = api.get("/api/v1" + path.replace("{slug}", slug))
        assert response.status_code == 200, path
    for path in writes:
        url = "/api/v1" + path.replace("{slug}", slug).replace("{id}", member)
        resolve(url)  # raises Resolver404 for an address that does not exist


def test_log_shows_item_text_and_before_after(client, ws):
    debate, claim = ws["debate"], ws["claim"]
    services.claim_moderator_edit(
        user=ws["moderator"], claim=claim, note="Typo", text="Crime fell by a half."
    )
    status, html = _page(client, ws["moderator"], f"/d/{debate.slug}/moderation-log/")
    assert status == 200
    assert '<blockquote class="audit-item">Crime fell by a half.</blockquote>' in html
    assert (
        '<dt>text</dt><dd><span class="before">Crime fell by half.</span> → '
        '<span class="after">Crime fell by a half.</span></dd>'
    ) in html
    assert "about Ada (account ada_account)" in html
    assert "by mod_mia" in html


def test_log_filters(client, ws):
    debate, ada = ws["debate"], ws["ada"]
    services.item_hide(user=ws["moderator"], item=ws["claim"], reason="Unsupported")
    services.member_warn(user=ws["owner"], membership=ada, reason="Mind the tone, Ada.")
    services.claim_set_locked(user=ws["owner"], claim=ws["thesis"], locked=True)
    client.force_login(ws["moderator"])
    url = f"/d/{debate.slug}/moderation-log/"

    def acts(query):
        html = client.get(url, query).content.decode()
        return re.findall(r"<strong>([^<]+)</strong> (\w*)", html)

    assert acts({}) == [("Locked", "claim"), ("Warned", "membership"), ("Hid", "claim")]
    assert acts({"actor": ws["moderator"].pk}) == [("Hid", "claim")]
    assert acts({"action": "warn"}) == [("Warned", "membership")]
    assert acts({"member": ada.user_id}) == [("Warned", "membership"), ("Hid", "claim")]
    assert acts({"kind": "membership"}) == [("Warned", "membership")]
    assert acts({"since": "2000-01-01", "until": "2000-01-02"}) == []


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ({"actor": "abc"}, "Moderator"),
        ({"action": "explode"}, "Act"),
        ({"since": "yesterday"}, "From"),
    ],
)
def test_log_bad_filter_is_a_400_that_says_which(client, ws, query, label):
    client.force_login(ws["moderator"])
    response = client.get(f"/d/{ws['debate'].slug}/moderation-log/", query)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<div role="alert"><p class="error">{label}: ' in html
    if "since" in query:  # what was typed stays in its field
        assert 'value="yesterday"' in html


def test_log_csv_is_filtered_named_and_formula_safe(client, ws):
    debate, ada = ws["debate"], ws["ada"]
    services.item_hide(user=ws["moderator"], item=ws["claim"], reason="=HYPERLINK(1)")
    services.member_warn(user=ws["owner"], membership=ada, reason="Mind the tone, Ada.")
    client.force_login(ws["moderator"])

    response = client.get(f"/d/{debate.slug}/moderation-log.csv", {"action": "hide"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "time",
        "act",
        "by",
        "item",
        "item id",
        "about",
        "item text",
        "reason",
        "changes",
    ]
    assert len(rows) == 2
    assert rows[1][1:8] == [
        "Hid",
        "mod_mia",
        "claim",
        str(ws["claim"].pk),
        "Ada (account ada_account)",
        "Crime fell by half.",
        "'=HYPERLINK(1)",
    ]
    assert 'status: "visible" → "hidden"' in rows[1][8]


@pytest.mark.parametrize("role", ["anonymous", "outsider", "participant", "author"])
def test_log_csv_is_for_moderators_only(client, ws, role):
    services.member_warn(
        user=ws["owner"], membership=ws["ada"], reason="Mind the tone, please."
    )
    user = {
        "anonymous": None,
        "outsider": UserFactory(),
        "participant": ws["flaggers"][0],
        "author": ws["ada"].user,
    }[role]
    if user:
        client.force_login(user)
    response = client.get(f"/d/{ws['debate'].slug}/moderation-log.csv")
    assert response.status_code == (302 if role == "anonymous" else 403)
    assert not response["Content-Type"].startswith("text/csv")
    assert b"Mind the tone" not in response.content


def test_an_authors_log_shows_no_account_and_no_moderator(client, ws):
    services.member_warn(
        user=ws["moderator"], membership=ws["ada"], reason="Mind it, please, Ada."
    )
    status, html = _page(
        client, ws["ada"].user, f"/d/{ws['debate'].slug}/moderation-log/"
    )
    assert status == 200
    assert "Mind it, please, Ada." in html
    assert "mod_mia" not in html and "(account" not in html
    assert 'class="log-filters"' not in html


# --- 3. One meaning per act ---------------------------------------------------------


def test_a_lock_stops_replies_not_votes_on_the_api(ws):
    services.claim_set_locked(user=ws["moderator"], claim=ws["thesis"], locked=True)
    api = client_for(ws["flaggers"][0])
    claim = ws["claim"]

    vote = api.post(
        f"/api/v1/claims/{claim.pk}/vote/", {"stance": "agree"}, format="json"
    )
    reply = api.post(
        "/api/v1/claims/",
        {"parent": claim.pk, "stance": "con", "text": "No."},
        format="json",
    )
    comment = api.post(
        f"/api/v1/claims/{claim.pk}/comments/", {"body": "Hm."}, format="json"
    )

    assert vote.status_code == 200
    assert (reply.status_code, reply.json()["detail"]) == (
        403,
        "This thread is locked: no new claims.",
    )
    assert (comment.status_code, comment.json()["detail"]) == (
        403,
        "This thread is locked: no new comments.",
    )
    assert Vote.objects.count() == 1
    assert Comment.objects.count() == 0
    assert Claim.objects.filter(debate=ws["debate"]).count() == 2


def test_auto_hidden_item_says_so(client, ws):
    for flagger in ws["flaggers"]:
        services.flag_create(user=flagger, item=ws["claim"], reason="spam")
    html = client.get(
        f"/d/{ws['debate'].slug}/claims/{ws['thesis'].pk}/"
    ).content.decode()
    assert "Hidden after 3 flags, waiting for a moderator." in html
    assert "Hidden by a moderator" not in html


def test_auto_hidden_comment_says_so_in_the_api_and_live(ws, monkeypatch):
    """The API and the live event tell readers what the pages tell them
    (``hidden_notice``), beside the stored reason."""
    sent = []
    monkeypatch.setattr(
        "deliberation.services.moderation.publish_on_commit",
        lambda **event: sent.append(event),
    )
    comment = services.comment_add(
        user=ws["ada"].user, claim=ws["thesis"], body="Look at the figures."
    )
    for flagger in ws["flaggers"]:
        services.flag_create(user=flagger, item=comment, reason="spam")

    listed = client_for(ws["flaggers"][0]).get(
        f"/api/v1/claims/{ws['thesis'].pk}/comments/"
    )

    (row,) = [c for c in listed.json()["results"] if c["id"] == comment.pk]
    notice = "Hidden after 3 flags, waiting for a moderator."
    assert (row["hidden"], row["body"], row["hidden_notice"]) == (True, None, notice)
    hidden = [e for e in sent if e["event"] == "comment.hidden"]
    assert [e["payload"]["notice"] for e in hidden] == [notice]


def test_three_flags_one_notification_to_the_author_and_each_moderator(ws):
    for flagger in ws["flaggers"]:
        services.flag_create(user=flagger, item=ws["claim"], reason="unclear")
    assert Notification.objects.filter(user=ws["ada"].user, kind="flag").count() == 1
    assert Notification.objects.filter(user=ws["moderator"], kind="queue").count() == 1
    # Another item is another notification.
    other = make_claim(ws["debate"], ws["thesis"], text="More.", author=ws["ada"].user)
    services.flag_create(user=ws["flaggers"][0], item=other, reason="unclear")
    assert Notification.objects.filter(user=ws["ada"].user, kind="flag").count() == 2


def test_a_day_later_a_new_flag_tells_again(ws):
    services.flag_create(user=ws["flaggers"][0], item=ws["claim"], reason="unclear")
    Notification.objects.update(created="2000-01-01T00:00:00Z")
    services.flag_create(user=ws["flaggers"][1], item=ws["claim"], reason="unclear")
    assert Notification.objects.filter(user=ws["ada"].user, kind="flag").count() == 2


def test_one_reply_per_item_whatever_the_number_of_flags(client, ws):
    flags = [
        services.flag_create(user=f, item=ws["claim"], reason="unclear")
        for f in ws["flaggers"][:2]
    ]
    client.force_login(ws["ada"].user)
    html = client.get(f"/d/{ws['debate'].slug}/flags/mine/").content.decode()
    assert html.count('name="body"') == 1

    services.flag_reply(user=ws["ada"].user, flag=flags[0], body="It is in the report.")

    with pytest.raises(ValidationError, match="already replied about this item"):
        services.flag_reply(user=ws["ada"].user, flag=flags[1], body="Again.")
    assert list(Flag.objects.order_by("pk").values_list("author_reply", flat=True)) == [
        "It is in the report.",
        "It is in the report.",
    ]
    queue = _page(client, ws["moderator"], f"/d/{ws['debate'].slug}/moderation/")[1]
    assert queue.count("It is in the report.") == 1


# --- Roles (issue 15, item 10) ------------------------------------------------------


def test_owner_names_a_moderator_on_the_page(client, ws):
    ada = ws["ada"]
    client.force_login(ws["owner"])
    response = client.post(
        f"/d/{ws['debate'].slug}/members/{ada.pk}/role/", {"role": "moderator"}
    )
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.role == "moderator"
    row = ModerationAction.objects.get(action="role")
    assert (row.before["role"], row.after["role"]) == ("participant", "moderator")
    assert Notification.objects.filter(
        user=ada.user, text=f"You are now a moderator in “{ws['debate'].question}”."
    ).exists()


@pytest.mark.parametrize("who", ["moderator", "participant", "outsider"])
def test_only_the_owner_names_roles(client, ws, who):
    ada = ws["ada"]
    user = {
        "moderator": ws["moderator"],
        "participant": ws["flaggers"][0],
        "outsider": UserFactory(),
    }[who]
    client.force_login(user)
    response = client.post(
        f"/d/{ws['debate'].slug}/members/{ada.pk}/role/", {"role": "moderator"}
    )
    assert response.status_code == 403
    ada.refresh_from_db()
    assert ada.role == "participant"
    assert ModerationAction.objects.count() == 0


def test_the_owners_own_role_cannot_change(ws):
    owner = Membership.objects.get(user=ws["owner"], debate=ws["debate"])
    with pytest.raises(ValidationError):
        services.member_role_set(user=ws["owner"], membership=owner, role="observer")
    with pytest.raises(PermissionDenied):
        services.member_role_set(
            user=ws["moderator"], membership=ws["ada"], role="observer"
        )
    assert ModerationAction.objects.count() == 0


def test_members_api_names_and_accounts_for_moderators_only(ws):
    slug = ws["debate"].slug
    rows = client_for(ws["moderator"]).get(f"/api/v1/debates/{slug}/members/").json()
    by_name = {r["name"]: r for r in rows["results"]}
    assert by_name["Ada"]["account"] == "ada_account"
    assert by_name["Hedgehog Hal"]["account"] == ""
    assert ws["guest"].user.username not in str(rows)
    for user in (ws["flaggers"][0], UserFactory()):
        response = client_for(user).get(f"/api/v1/debates/{slug}/members/")
        assert response.status_code == 403
        assert "ada_account" not in response.content.decode()


def test_role_api_for_the_owner_only(ws):
    ada = ws["ada"]
    url = f"/api/v1/memberships/{ada.pk}/role/"
    refused = client_for(ws["moderator"]).post(url, {"role": "observer"}, format="json")
    bad = client_for(ws["owner"]).post(url, {"role": "owner"}, format="json")
    ada.refresh_from_db()
    assert (refused.status_code, bad.status_code, ada.role) == (
        403,
        400,
        "participant",
    )
    done = client_for(ws["owner"]).post(url, {"role": "suggester"}, format="json")
    assert done.status_code == 200
    assert (done.json()["name"], done.json()["role"]) == ("Ada", "suggester")


def test_warn_through_the_api(ws):
    response = client_for(ws["moderator"]).post(
        f"/api/v1/memberships/{ws['ada'].pk}/moderate/",
        {"action": "warn", "reason": "Keep it about the argument."},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["action"], response.json()["subject"]) == ("warn", "Ada")


def test_consent_to_share_votes_is_the_members_own(client, ws):
    ada, slug = ws["ada"], ws["debate"].slug
    api = client_for(ada.user)
    assert api.patch(
        f"/api/v1/debates/{slug}/membership/", {"share_votes": True}, format="json"
    ).json() == {"share_votes": True}
    ada.refresh_from_db()
    assert ada.share_votes is True
    # Withdrawn on the page.
    client.force_login(ada.user)
    assert "Others may see how I voted" in client.get(f"/d/{slug}/me/").content.decode()
    client.post(f"/d/{slug}/me/", {})
    ada.refresh_from_db()
    assert ada.share_votes is False
    # Not a member: nothing recorded.
    stranger = client_for(UserFactory())
    response = stranger.patch(
        f"/api/v1/debates/{slug}/membership/", {"share_votes": True}, format="json"
    )
    assert response.status_code == 400
    assert Membership.objects.filter(share_votes=True).count() == 0


def test_log_api_filters_and_item_text_for_moderators(ws):
    services.item_hide(user=ws["moderator"], item=ws["claim"], reason="Unsupported")
    services.member_warn(
        user=ws["owner"], membership=ws["ada"], reason="Mind it, Ada, please!"
    )
    api = client_for(ws["moderator"])
    url = f"/api/v1/debates/{ws['debate'].slug}/moderation-log/"

    rows = api.get(url, {"action": "hide"}).json()["results"]
    bad = api.get(url, {"since": "soon"})

    assert [(r["action"], r["item_text"], r["subject"]) for r in rows] == [
        ("hide", "Crime fell by half.", "Ada")
    ]
    assert [
        r["action"] for r in api.get(url, {"kind": "membership"}).json()["results"]
    ] == ["warn"]
    assert bad.status_code == 400 and "since" in bad.json()
    # An author's own rows are not filtered (nor filterable into others').
    own = client_for(ws["ada"].user).get(url, {"action": "hide", "actor": 1})
    assert [r["action"] for r in own.json()["results"]] == ["warn", "hide"]
