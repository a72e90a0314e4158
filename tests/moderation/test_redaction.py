"""Moderators redact a claim's revision (issue 15, item 6): the words leave
the database (the revision row, the next one's "before", the audit rows),
the history page and the revisions API say "redacted by a moderator", and
the audit row names the revision, not the words. And a flag's note is for
the moderators only: no page, API answer or notification shows it to the
flagged author or anyone else."""

import pytest
from django.apps import apps
from django.db import models

from claims.models import ClaimRevision
from deliberation import services
from deliberation.models import Flag, ModerationAction, Notification
from tests.api.helpers import client_for
from tests.factories import DebateFactory, MembershipFactory, UserFactory, make_claim

pytestmark = pytest.mark.django_db

SECRET = "zqphone0777"
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def _rows_with(needle: str) -> list[tuple[str, str]]:
    found = []
    for model in apps.get_models():
        names = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, TEXT_FIELDS) and not f.is_relation
        ]
        for row in model._base_manager.values_list(*names) if names else ():
            found += [
                (model._meta.db_table, n)
                for n, v in zip(names, row, strict=True)
                if needle in str(v)
            ]
    return found


@pytest.fixture
def scene():
    debate = DebateFactory()
    moderator = MembershipFactory(debate=debate, role="moderator").user
    author = MembershipFactory(debate=debate).user
    thesis = make_claim(debate, text="Cameras help.")
    claim = make_claim(
        debate, thesis, "pro", text=f"Call me on {SECRET} about it.", author=author
    )
    # The moderator takes the number out: revision 2, and an audit row whose
    # "before" holds the number.
    services.claim_moderator_edit(
        user=moderator, claim=claim, note="Personal data.", text="Call the office."
    )
    return debate, moderator, author, claim


def _state(claim):
    return (
        list(
            ClaimRevision.objects.filter(claim=claim)
            .order_by("number")
            .values_list("text_before", "text_after", "redacted_at")
        ),
        list(ModerationAction.objects.order_by("pk").values_list("action", "before")),
    )


def test_a_moderator_redacts_a_revision_from_the_page(scene):
    debate, moderator, author, claim = scene
    assert len(_rows_with(SECRET)) == 3  # revision 1, revision 2, the audit row
    client = client_for(moderator)
    history = f"/d/{debate.slug}/claims/{claim.pk}/history/"
    assert 'name="reason"' in client.get(history).content.decode()

    response = client.post(f"{history}1/redact/", {"reason": "A phone number."})

    assert (response.status_code, response["Location"]) == (302, history)
    assert _rows_with(SECRET) == []
    first, second = ClaimRevision.objects.filter(claim=claim).order_by("number")
    assert (first.text_after, first.explanation_after) == ("", "")
    assert first.redacted_at is not None
    assert (second.text_before, second.text_after) == ("", "Call the office.")
    edit, redact = ModerationAction.objects.order_by("pk")
    assert (edit.action, edit.before["text"], edit.after["text"]) == (
        "edit",
        None,
        "Call the office.",
    )
    assert (redact.action, redact.actor, redact.reason, redact.claim) == (
        "redact",
        moderator,
        "A phone number.",
        claim,
    )
    assert (redact.before, redact.after) == (
        {},
        {"revision": 1, "audit_rows_scrubbed": 1},
    )
    for reader in (None, author, moderator):
        page = client_for(reader).get(history).content.decode()
        assert page.count("redacted by a moderator") == 1  # revision 2's before
        assert page.count("Redacted by a moderator.") == 1  # revision 1
        assert SECRET not in page and "Call the office." in page


def test_the_revisions_api_says_redacted_and_redacts_through_the_api(scene):
    debate, moderator, author, claim = scene
    api = client_for(moderator)

    answer = api.post(
        f"/api/v1/claims/{claim.pk}/revisions/1/redact/",
        {"reason": "A phone number."},
        format="json",
    )
    listed = client_for(None).get(f"/api/v1/claims/{claim.pk}/revisions/").json()

    assert answer.status_code == 200
    assert answer.json()["redacted"] == "redacted by a moderator"
    assert answer.json()["text_after"] is None
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [
        (r["number"], r["text_before"], r["text_after"], r["redacted"]) for r in rows
    ] == [
        (1, "", None, "redacted by a moderator"),
        (2, None, "Call the office.", None),
    ]
    assert SECRET not in str(listed)


@pytest.mark.parametrize("who", ["author", "participant", "stranger", "anonymous"])
def test_only_moderators_may_redact(scene, who):
    debate, moderator, author, claim = scene
    user = {
        "author": author,
        "participant": MembershipFactory(debate=debate).user,
        "stranger": UserFactory(),
        "anonymous": None,
    }[who]
    before = _state(claim)

    api = client_for(user).post(
        f"/api/v1/claims/{claim.pk}/revisions/1/redact/",
        {"reason": "Mine."},
        format="json",
    )
    page = client_for(user).post(
        f"/d/{debate.slug}/claims/{claim.pk}/history/1/redact/", {"reason": "Mine."}
    )

    assert api.status_code == (401 if who == "anonymous" else 403)
    assert page.status_code == (302 if who == "anonymous" else 403)
    assert _state(claim) == before
    assert len(_rows_with(SECRET)) == 3


def test_the_current_text_and_a_redacted_revision_cannot_be_redacted(scene):
    debate, moderator, author, claim = scene
    api = client_for(moderator)
    url = f"/api/v1/claims/{claim.pk}/revisions/{{}}/redact/"
    api.post(url.format(1), {"reason": "A phone number."}, format="json")
    before = _state(claim)

    current = api.post(url.format(2), {"reason": "Why not."}, format="json")
    again = api.post(url.format(1), {"reason": "Again."}, format="json")
    missing = api.post(url.format(9), {"reason": "None."}, format="json")
    blank = api.post(url.format(1), {"reason": ""}, format="json")

    assert [r.status_code for r in (current, again, missing, blank)] == [
        400,
        400,
        404,
        400,
    ]
    assert "edit the claim first" in str(current.json())
    assert _state(claim) == before


# --- Flag notes ---------------------------------------------------------------

NOTE = "zqflagnote from the one at the back"


@pytest.fixture
def flagged():
    debate = DebateFactory()
    moderator = MembershipFactory(debate=debate, role="moderator").user
    author = MembershipFactory(debate=debate).user
    flagger = MembershipFactory(debate=debate).user
    thesis = make_claim(debate, text="Cameras help.")
    claim = make_claim(debate, thesis, "pro", text="Footage leaks.", author=author)
    created = client_for(flagger).post(
        "/api/v1/flags/",
        {"claim": claim.pk, "reason": "other", "note": NOTE},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["note"] == NOTE  # the flagger's own words, to them
    return debate, moderator, author, flagger, claim


def test_the_flag_note_reaches_moderators_only(flagged):
    debate, moderator, author, flagger, claim = flagged
    flag = Flag.objects.get()
    d, a = f"/d/{debate.slug}", "/api/v1"
    reply = client_for(author).post(
        f"{a}/flags/{flag.pk}/reply/", {"body": "It is sourced."}, format="json"
    )
    assert reply.status_code == 200 and "note" not in reply.json()
    channels = [
        f"{d}/flags/mine/",
        f"{a}/debates/{debate.slug}/my-flags/",
        "/notifications/",
        f"{a}/notifications/",
        f"{d}/claims/{claim.pk}/",
        f"{a}/claims/{claim.pk}/",
        f"{d}/moderation/log/",
        f"{a}/debates/{debate.slug}/moderation-log/",
        f"{d}/moderation/",
        f"{a}/debates/{debate.slug}/flags/",
    ]
    readers = {
        "author": author,
        "participant": MembershipFactory(debate=debate).user,
        "anonymous": None,
        "moderator": moderator,
    }
    seen = {}
    for role, user in readers.items():
        client = client_for(user)
        seen[role] = sorted(
            url for url in channels if NOTE in client.get(url).content.decode()
        )

    assert seen["author"] == seen["participant"] == seen["anonymous"] == []
    assert seen["moderator"] == [
        f"{a}/debates/{debate.slug}/flags/",
        f"{d}/moderation/",
    ]
    # The author's notification names the reason, not the note.
    told = Notification.objects.get(user=author)
    assert NOTE not in told.text and "flagged (other)" in told.text
