"""Moderation services: flags, the queue, moderator actions, the audit log."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from claims.models import Annotation, Citation, Claim
from claims.services import annotation_create
from deliberation import services
from deliberation.models import (
    Comment,
    Flag,
    Impact,
    Membership,
    ModerationAction,
    Notification,
    Vote,
)
from deliberation.selectors import (
    claims_shown_to,
    flagger_trust,
    moderation_log_for,
    moderation_queue,
)
from tests.factories import (
    DebateFactory,
    MembershipFactory,
    UserFactory,
    make_actor,
    make_claim,
    make_source,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(debate):
    return make_actor(debate, "moderator")


def _member(debate, role="participant"):
    return MembershipFactory(debate=debate, role=role).user


# --- Audit log ------------------------------------------------------------------------


def test_hiding_a_claim_records_an_immutable_audit_row(debate, moderator):
    author = _member(debate)
    thesis = make_claim(debate)
    claim = make_claim(debate, thesis, text="Rude words.", author=author)

    action = services.item_hide(user=moderator, item=claim, reason="Uncivil")

    claim.refresh_from_db()
    assert (claim.status, claim.hidden_reason) == ("hidden", "Uncivil")
    assert ModerationAction.objects.count() == 1
    assert (action.actor, action.action, action.claim, action.subject) == (
        moderator,
        "hide",
        claim,
        author,
    )
    assert action.before["status"] == "visible"
    assert action.after["status"] == "hidden"
    action.reason = "changed"
    with pytest.raises(ValueError, match="append-only"):
        action.save()
    with pytest.raises(ValueError, match="append-only"):
        action.delete()
    assert ModerationAction.objects.get().reason == "Uncivil"


def test_author_is_told_about_a_hide_and_sees_the_row_in_the_log(debate, moderator):
    author = _member(debate)
    claim = make_claim(debate, make_claim(debate), author=author, text="X is true.")

    services.item_hide(user=moderator, item=claim, reason="Off-topic")

    note = Notification.objects.get(user=author)
    assert note.kind == "moderation"
    assert "Off-topic" in note.text
    assert list(moderation_log_for(author, debate)) == list(
        ModerationAction.objects.all()
    )
    assert list(moderation_log_for(_member(debate), debate)) == []
    assert list(moderation_log_for(AnonymousUser(), debate)) == []


def test_a_participant_cannot_hide_and_nothing_changes(debate):
    participant = _member(debate)
    claim = make_claim(debate, make_claim(debate))

    with pytest.raises(PermissionDenied):
        services.item_hide(user=participant, item=claim, reason="no")

    claim.refresh_from_db()
    assert claim.status == "visible"
    assert ModerationAction.objects.count() == 0


def test_hide_needs_a_reason(debate, moderator):
    claim = make_claim(debate, make_claim(debate))

    with pytest.raises(ValidationError):
        services.item_hide(user=moderator, item=claim, reason="  ")

    claim.refresh_from_db()
    assert claim.status == "visible"
    assert ModerationAction.objects.count() == 0


def test_restore_shows_the_claim_again_and_dismisses_open_flags(debate, moderator):
    claim = make_claim(debate, make_claim(debate))
    flagger = _member(debate)
    services.item_hide(user=moderator, item=claim, reason="Spam")
    Flag.objects.create(debate=debate, flagger=flagger, claim=claim, reason="spam")

    services.item_restore(user=moderator, item=claim, reason="Not spam after all")

    claim.refresh_from_db()
    assert (claim.status, claim.hidden_reason) == ("visible", "")
    assert Flag.objects.get().status == "dismissed"
    assert list(ModerationAction.objects.values_list("action", flat=True)) == [
        "restore",
        "hide",
    ]


def test_hidden_comment_and_annotation(debate, moderator):
    claim = make_claim(debate)
    author = _member(debate)
    comment = services.comment_add(user=author, claim=claim, body="Shouting!")
    annotation = annotation_create(
        debate=debate, claim=claim, quote=claim.text[:5], creator=author
    )

    services.item_hide(user=moderator, item=comment, reason="Uncivil")
    services.item_hide(user=moderator, item=annotation, reason="Doxxing")

    comment.refresh_from_db()
    annotation.refresh_from_db()
    assert comment.is_hidden and comment.hidden_reason == "Uncivil"
    assert annotation.is_hidden
    reader = _member(debate)
    from deliberation.selectors import annotations_shown_to

    assert list(annotations_shown_to(reader, debate)) == []
    assert list(annotations_shown_to(moderator, debate)) == [annotation]
    assert list(annotations_shown_to(author, debate)) == [annotation]


# --- Flags ----------------------------------------------------------------------------


def test_flag_once_per_member_and_author_told_without_flagger(debate):
    author, flagger = _member(debate), UserFactory(username="secret-flagger")
    claim = make_claim(debate, make_claim(debate), author=author, text="Cats fly.")

    services.flag_create(user=flagger, item=claim, reason="misinformation")
    with pytest.raises(ValidationError, match="already flagged"):
        services.flag_create(user=flagger, item=claim, reason="spam")

    assert Flag.objects.count() == 1
    note = Notification.objects.get(user=author)
    assert note.kind == "flag"
    assert "misinformation" in note.text
    assert "secret-flagger" not in note.text
    assert Membership.objects.filter(debate=debate, user=flagger).exists()


def test_nobody_flags_their_own_claim(debate):
    author = _member(debate)
    claim = make_claim(debate, make_claim(debate), author=author)

    with pytest.raises(PermissionDenied):
        services.flag_create(user=author, item=claim, reason="spam")

    assert Flag.objects.count() == 0


def test_other_needs_a_note(debate):
    claim = make_claim(debate, make_claim(debate))

    with pytest.raises(ValidationError):
        services.flag_create(user=UserFactory(), item=claim, reason="other")

    assert Flag.objects.count() == 0


def test_moderators_get_a_queue_notification(debate, moderator):
    claim = make_claim(debate, make_claim(debate))

    services.flag_create(user=UserFactory(), item=claim, reason="spam")

    owner = make_actor(debate, "owner")
    queue = Notification.objects.filter(kind="queue")
    assert sorted(queue.values_list("user", flat=True)) == [moderator.pk]
    services.flag_create(
        user=UserFactory(), item=make_claim(debate, claim), reason="spam"
    )
    assert sorted(queue.values_list("user", flat=True)) == sorted(
        [moderator.pk, moderator.pk, owner.pk]
    )


def test_three_distinct_flags_auto_hide_pending_review(debate, moderator):
    author = _member(debate)
    claim = make_claim(debate, make_claim(debate), author=author)
    flaggers = [UserFactory() for _ in range(3)]

    services.flag_create(user=flaggers[0], item=claim, reason="spam")
    services.flag_create(user=flaggers[1], item=claim, reason="spam")
    claim.refresh_from_db()
    assert claim.status == "visible"
    services.flag_create(user=flaggers[2], item=claim, reason="abusive")

    claim.refresh_from_db()
    assert claim.status == "hidden"
    assert claim.hidden_reason == "hidden pending review after 3 flags"
    auto = ModerationAction.objects.get()
    assert (auto.action, auto.actor) == ("auto_hide", None)
    assert Notification.objects.filter(user=author, kind="moderation").count() == 1

    # The moderator finds the flags unfounded: the claim comes back.
    services.flags_dismiss(user=moderator, item=claim, reason="Fine claim")

    claim.refresh_from_db()
    assert claim.status == "visible"
    assert set(Flag.objects.values_list("status", flat=True)) == {"dismissed"}
    assert ModerationAction.objects.filter(action="dismiss_flags").count() == 1


def test_debate_setting_changes_the_auto_hide_threshold(debate):
    debate.auto_hide_flags = 0
    debate.save()
    claim = make_claim(debate, make_claim(debate))

    for _ in range(4):
        services.flag_create(user=UserFactory(), item=claim, reason="spam")

    claim.refresh_from_db()
    assert claim.status == "visible"


def test_dismissing_twice_gives_one_resolution(debate, moderator):
    claim = make_claim(debate, make_claim(debate))
    services.flag_create(user=UserFactory(), item=claim, reason="spam")

    services.flags_dismiss(user=moderator, item=claim)
    with pytest.raises(ValidationError, match="already resolved"):
        services.flags_dismiss(user=moderator, item=claim)

    assert ModerationAction.objects.count() == 1


def test_author_replies_once(debate):
    author = _member(debate)
    claim = make_claim(debate, make_claim(debate), author=author)
    flag = services.flag_create(user=UserFactory(), item=claim, reason="unclear")

    services.flag_reply(user=author, flag=flag, body="I mean the 2019 study.")
    with pytest.raises(ValidationError):
        services.flag_reply(user=author, flag=flag, body="Again")
    with pytest.raises(PermissionDenied):
        services.flag_reply(user=UserFactory(), flag=flag, body="Not mine")

    flag.refresh_from_db()
    assert flag.author_reply == "I mean the 2019 study."


def test_queue_orders_by_weight_with_the_documented_formula(debate, moderator):
    thesis = make_claim(debate)
    light = make_claim(debate, thesis, text="Light")
    heavy = make_claim(debate, thesis, text="Heavy")
    trusted = UserFactory()
    # The trusted flagger had 2 flags upheld before: trust 1 + 2/(2+2) = 1.5.
    for i in range(2):
        old = make_claim(debate, thesis, text=f"Old {i}")
        Flag.objects.create(
            debate=debate, flagger=trusted, claim=old, reason="spam", status="upheld"
        )
    services.flag_create(user=UserFactory(), item=light, reason="unclear")
    services.flag_create(user=trusted, item=heavy, reason="spam")
    services.flag_create(user=moderator, item=heavy, reason="spam", note="ad")

    queue = moderation_queue(debate)

    assert [(e.item.pk, e.weight) for e in queue] == [
        (heavy.pk, 3.5),  # 1.5 (trusted) + 2 × 1 (a moderator)
        (light.pk, 1.0),
    ]
    assert queue[0].parent == thesis
    assert flagger_trust(debate, {trusted.pk}) == {trusted.pk: 1.5}


# --- Lock, pin, edit, approve ---------------------------------------------------------


def test_locked_thread_takes_no_replies_below_but_counts_votes(debate, moderator):
    thesis = make_claim(debate)
    branch = make_claim(debate, thesis)
    below = make_claim(debate, branch)
    user = UserFactory()

    services.claim_set_locked(user=moderator, claim=branch, locked=True)

    for act in (
        lambda: services.claim_contribute(
            user=user, parent=Claim.objects.get(pk=below.pk), stance="pro", text="x"
        ),
        lambda: services.comment_add(
            user=user, claim=Claim.objects.get(pk=branch.pk), body="hi"
        ),
    ):
        with pytest.raises(PermissionDenied, match="This thread is locked: no new"):
            act()
    assert Claim.objects.filter(debate=debate).count() == 3
    assert Comment.objects.count() == 0
    # A lock stops replies, not judgement: the vote below it counts.
    services.vote_cast(user=user, claim=Claim.objects.get(pk=below.pk), stance="agree")
    assert list(Vote.objects.values_list("claim_id", "stance")) == [(below.pk, "agree")]
    Vote.objects.all().delete()
    # Beside the locked branch, all is open.
    services.vote_cast(user=user, claim=thesis, stance="agree")
    assert Vote.objects.count() == 1


def test_pinned_claims_come_first(debate, moderator):
    from claims.selectors import children_columns

    thesis = make_claim(debate)
    first = make_claim(debate, thesis)
    second = make_claim(debate, thesis)

    services.claim_set_pinned(user=moderator, claim=second, pinned=True)

    column = children_columns(thesis)["pro"]
    assert [c.pk for c in column.claims] == [second.pk, first.pk]


def test_moderator_edit_keeps_a_revision_and_a_public_note(debate, moderator):
    claim = make_claim(debate, make_claim(debate), text="Old text.")

    services.claim_moderator_edit(
        user=moderator, claim=claim, text="New text.", note="Removed a name"
    )

    claim.refresh_from_db()
    assert (claim.text, claim.moderator_note) == ("New text.", "Removed a name")
    revision = claim.revisions.order_by("-number").first()
    assert (revision.text_before, revision.note) == ("Old text.", "Removed a name")
    assert ModerationAction.objects.get().action == "edit"


def test_approving_a_pending_claim(debate, moderator):
    debate.premoderation = True
    debate.save()
    author = UserFactory()
    thesis = make_claim(debate)
    pending = services.claim_contribute(
        user=author, parent=thesis, stance="pro", text="Wait for me."
    )
    assert pending.status == "pending"
    assert Notification.objects.filter(user=moderator, kind="queue").count() == 1

    services.claim_approve(user=moderator, claim=pending)

    pending.refresh_from_db()
    assert pending.status == "visible"
    assert ModerationAction.objects.get().action == "approve"
    with pytest.raises(ValidationError):
        services.claim_approve(user=moderator, claim=pending)


# --- Move and merge -------------------------------------------------------------------


def test_move_under_another_claim_but_never_under_its_own_branch(debate, moderator):
    thesis = make_claim(debate)
    a = make_claim(debate, thesis)
    b = make_claim(debate, thesis)
    under_a = make_claim(debate, a)

    with pytest.raises(ValidationError):
        services.claim_move(user=moderator, claim=a, new_parent=under_a)
    services.claim_move(user=moderator, claim=a, new_parent=b)

    a.refresh_from_db()
    under_a.refresh_from_db()
    assert Claim.objects.get_parent(a) == b
    assert Claim.objects.get_parent(under_a) == a
    assert under_a.depth == 4
    assert ModerationAction.objects.filter(action="move").count() == 1


def test_move_to_another_debate_is_refused(debate, moderator):
    claim = make_claim(debate, make_claim(debate))
    elsewhere = make_claim(DebateFactory())

    with pytest.raises(ValidationError):
        services.claim_move(user=moderator, claim=claim, new_parent=elsewhere)

    assert ModerationAction.objects.count() == 0


def test_merge_moves_everything_and_keeps_one_vote_per_person(debate, moderator):
    thesis = make_claim(debate)
    kept = make_claim(debate, thesis, text="Cameras deter crime.")
    duplicate = make_claim(debate, thesis, text="CCTV deters crime.")
    child = make_claim(debate, duplicate, text="Studies agree.")
    both, only_dup = UserFactory(), UserFactory()
    Vote.objects.create(claim=kept, user=both, stance="agree")
    Vote.objects.create(claim=duplicate, user=both, stance="disagree")
    Vote.objects.create(claim=duplicate, user=only_dup, stance="pass")
    Impact.objects.create(claim=duplicate, user=only_dup, value=3)
    source = make_source(debate)
    Citation.objects.create(
        claim=duplicate,
        source=source,
        source_revision=source.revisions.get(),
        exact="text",
        start=4,
        end=8,
    )
    evidence = annotation_create(
        debate=debate,
        source=source,
        quote="passage",
        evidence_claim=duplicate,
        relation="supports",
    )
    comment = services.comment_add(user=only_dup, claim=duplicate, body="Same?")

    services.claims_merge(user=moderator, duplicate=duplicate, kept=kept)

    duplicate.refresh_from_db()
    child.refresh_from_db()
    assert duplicate.link_to_id == kept.pk
    assert Claim.objects.get_parent(child).pk == kept.pk
    assert sorted(Vote.objects.values_list("claim_id", "user_id", "stance")) == sorted(
        [(kept.pk, both.pk, "agree"), (kept.pk, only_dup.pk, "pass")]
    )
    assert list(Impact.objects.values_list("claim_id", flat=True)) == [kept.pk]
    assert Citation.objects.get().claim_id == kept.pk
    assert Annotation.objects.get(pk=evidence.pk).evidence_claim_id == kept.pk
    assert Comment.objects.get(pk=comment.pk).claim_id == kept.pk
    action = ModerationAction.objects.get(action="merge")
    assert action.after["moved"]["dropped_votes"] == 1
    assert action.after["kept"] == kept.pk


def test_merge_into_its_own_descendant_is_refused(debate, moderator):
    thesis = make_claim(debate)
    duplicate = make_claim(debate, thesis)
    inside = make_claim(debate, duplicate)

    with pytest.raises(ValidationError):
        services.claims_merge(user=moderator, duplicate=duplicate, kept=inside)

    duplicate.refresh_from_db()
    assert duplicate.link_to_id is None
    assert ModerationAction.objects.count() == 0


# --- Members --------------------------------------------------------------------------


def test_suspension_needs_a_justification_and_ends_by_itself(debate, moderator):
    member = MembershipFactory(debate=debate)
    thesis = make_claim(debate)
    until = timezone.now() + timedelta(days=2)

    with pytest.raises(ValidationError):
        services.member_suspend(
            user=moderator, membership=member, until=until, reason="too short"
        )
    member.refresh_from_db()
    assert member.status == "active"

    services.member_suspend(
        user=moderator,
        membership=member,
        until=until,
        reason="Repeated insults after a warning",
    )

    member.refresh_from_db()
    assert (member.status, member.suspended_until) == ("suspended", until)
    user = member.user
    with pytest.raises(PermissionDenied):
        services.claim_contribute(user=user, parent=thesis, stance="pro", text="x")
    # Time passes: the suspension is over without anyone acting.
    Membership.objects.filter(pk=member.pk).update(
        suspended_until=timezone.now() - timedelta(seconds=1)
    )
    user = type(user).objects.get(pk=user.pk)  # a new request: no cached membership
    services.claim_contribute(user=user, parent=thesis, stance="pro", text="Back.")
    assert Claim.objects.filter(text="Back.").count() == 1
    assert Notification.objects.filter(user=user, kind="moderation").count() == 1


def test_removed_member_cannot_read_a_private_debate(moderator, debate):
    debate.visibility = "private"
    debate.save()
    member = MembershipFactory(debate=debate)
    assert member.user.has_perm("deliberation.view_debate", debate)

    services.member_remove(
        user=moderator, membership=member, reason="Posted someone's address"
    )

    user = type(member.user).objects.get(pk=member.user_id)
    assert not user.has_perm("deliberation.view_debate", debate)
    assert ModerationAction.objects.get().action == "remove"


def test_a_moderator_cannot_suspend_the_owner_or_another_moderator(debate, moderator):
    owner = make_actor(debate, "owner")
    other = MembershipFactory(debate=debate, role="moderator")
    until = timezone.now() + timedelta(days=1)

    for membership in (Membership.objects.get(user=owner, debate=debate), other):
        with pytest.raises(PermissionDenied):
            services.member_suspend(
                user=moderator,
                membership=membership,
                until=until,
                reason="Justification long enough",
            )

    assert set(Membership.objects.values_list("status", flat=True)) == {"active"}
    assert ModerationAction.objects.count() == 0


# --- Never leak -----------------------------------------------------------------------


def test_hidden_claims_stay_out_of_search_and_reader_lists(debate, moderator):
    from claims.selectors import search_claims

    claim = make_claim(debate, make_claim(debate), text="Zebras secretly vote.")
    services.item_hide(user=moderator, item=claim, reason="Off-topic")

    assert search_claims(claims_shown_to(UserFactory(), debate), "zebras") == []
    assert search_claims(claims_shown_to(moderator, debate), "zebras") == [claim]
    assert claim not in claims_shown_to(UserFactory(), debate)
    assert claim in claims_shown_to(moderator, debate)


def test_a_suspended_moderator_moderates_nothing(db):
    from claims.services import claim_create

    debate = DebateFactory()
    thesis = claim_create(debate=debate, parent=None, text="Cameras help.")
    mod = MembershipFactory(
        debate=debate,
        role="moderator",
        status=Membership.Status.SUSPENDED,
        suspended_until=timezone.now() + timedelta(days=1),
    ).user

    assert not mod.has_perm("deliberation.moderate_debate", debate)
    with pytest.raises(PermissionDenied):
        services.item_hide(user=mod, item=thesis, reason="Not on topic here.")
    thesis.refresh_from_db()
    assert thesis.status == "visible"
