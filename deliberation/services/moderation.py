"""Moderation as acts of a person: flags, the review queue's resolutions and
moderator actions. Every act checks the rules, locks the rows its check reads
(``select_for_update``) so that two moderators at once produce one result,
writes one immutable ModerationAction row (the audit log), tells the people
concerned and publishes live events after commit (ids and public text only).

Resolution model: flags are resolved per item. Dismissing closes the item's
open flags (and restores it if flags had hidden it); any act on the item
(hide, edit, merge, ...) upholds them.
"""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from claims import services as claim_services
from claims.models import Annotation, Claim, ClaimRevision
from deliberation.events import access_changed_on_commit, publish_on_commit
from deliberation.models import (
    Comment,
    Debate,
    Flag,
    Impact,
    Membership,
    ModerationAction,
    Notification,
    Vote,
)
from deliberation.selectors import claims_are_public, public_name
from deliberation.selectors.moderation import AUTO_HIDE_REASON, hidden_notice
from deliberation.services.common import (
    check_moderator,
    check_perm,
    membership_ensure,
    publish_claim_event,
)
from deliberation.services.notifications import (
    excerpt,
    notify,
    notify_moderators,
    notify_once_a_day,
)

Action = ModerationAction.Action
Item = Claim | Annotation | Comment

REASON_MAX = 300
JUSTIFICATION_MIN = 15
FLAG_NOTE_MAX = 1000
REPLY_MAX = 2000
SUSPENSION_MAX = timedelta(days=366)


# --- Helpers --------------------------------------------------------------------------


def _kind(item: Item) -> str:
    return {Claim: "claim", Annotation: "annotation", Comment: "comment"}[type(item)]


def _author_of(item: Item):
    return item.creator if isinstance(item, Annotation) else item.author


def _author_id(item: Item):
    return item.creator_id if isinstance(item, Annotation) else item.author_id


def _locked(item: Item) -> Item:
    """The item re-read under a row lock (call inside a transaction)."""
    return type(item).objects.select_for_update().get(pk=item.pk)


def _text_of(item: Item) -> str:
    if isinstance(item, Claim):
        return item.display_text
    return item.body or (getattr(item, "exact", "") or "")


def _state(item: Item) -> dict:
    """What the audit row keeps of an item, before and after."""
    if isinstance(item, Claim):
        return {
            "status": item.status,
            "text": item.text,
            "explanation": item.explanation,
            "path": item.path,
            "locked": item.locked,
            "pinned": item.pinned,
            "link_to": item.link_to_id,
            "hidden_reason": item.hidden_reason,
        }
    return {
        "hidden": item.hidden_at is not None,
        "hidden_reason": item.hidden_reason,
        "body": item.body,
    }


def _member_state(membership: Membership) -> dict:
    until = membership.suspended_until
    return {
        "role": membership.role,
        "status": membership.status,
        "suspended_until": until.isoformat() if until else None,
    }


def _audit(
    *,
    actor,
    debate_id: int,
    action: str,
    item: Item | None = None,
    membership: Membership | None = None,
    reason: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> ModerationAction:
    target = {}
    subject_id = None
    if item is not None:
        target[_kind(item)] = item
        subject_id = _author_id(item)
    if membership is not None:
        target["membership"] = membership
        subject_id = membership.user_id
    return ModerationAction.objects.create(
        debate_id=debate_id,
        actor=actor,
        action=action,
        subject_id=subject_id,
        reason=reason,
        before=before or {},
        after=after or {},
        **target,
    )


def _clean_reason(reason: str, *, required: bool, minimum: int = 1) -> str:
    reason = " ".join((reason or "").split())
    if required and len(reason) < minimum:
        message = (
            "Give a reason."
            if minimum <= 1
            else f"Give a justification of at least {minimum} characters."
        )
        raise ValidationError({"reason": message})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"At most {REASON_MAX} characters."})
    return reason


def item_url(item: Item) -> str:
    debate = item.debate
    if isinstance(item, Claim):
        return reverse("claim_detail", kwargs={"slug": debate.slug, "pk": item.pk})
    if isinstance(item, Annotation):
        return reverse("annotation_detail", kwargs={"slug": debate.slug, "pk": item.pk})
    return reverse("comment_history", kwargs={"slug": debate.slug, "pk": item.pk})


def _tell_author(item: Item, *, actor, text: str) -> None:
    author = _author_of(item)
    if author is None or (actor is not None and author.pk == actor.pk):
        return
    notify(
        users=[author],
        kind=Notification.Kind.MODERATION,
        text=text,
        url=reverse("moderation_log", kwargs={"slug": item.debate.slug}),
        debate=item.debate,
    )


def _resolve_open_flags(item: Item, *, user, status: str) -> list[int]:
    """Close the item's open flags (locked) as upheld or dismissed."""
    flags = list(
        Flag.objects.select_for_update()
        .filter(**{_kind(item): item}, status=Flag.Status.OPEN)
        .order_by("pk")
    )
    if flags:
        Flag.objects.filter(pk__in=[f.pk for f in flags]).update(
            status=status, resolved_by=user, resolved_at=timezone.now()
        )
    return [f.pk for f in flags]


def _set_hidden(item: Item, *, reason: str) -> None:
    if isinstance(item, Claim):
        claim_services.claim_hide(claim=item, reason=reason)
    else:
        item.hidden_at, item.hidden_reason = timezone.now(), reason
        item.save(update_fields=["hidden_at", "hidden_reason", "updated"])


def _is_hidden(item: Item) -> bool:
    if isinstance(item, Claim):
        return item.status == Claim.Status.HIDDEN
    return item.hidden_at is not None


def _publish_hidden(item: Item) -> None:
    if isinstance(item, Claim):
        # The placeholder shows where the claim was: news only where readers
        # see its parent.
        parent = (
            Claim.objects.filter(debate_id=item.debate_id, path=item.parent_path)
            .values_list("pk", flat=True)
            .first()
        )
        if parent is None or claims_are_public(item.debate, [parent]):
            publish_on_commit(
                debate_id=item.debate_id,
                event="claim.hidden",
                payload={
                    "claim_id": item.pk,
                    "reason": item.hidden_reason,
                    "notice": hidden_notice(item.hidden_reason),
                },
            )
    else:
        publish_on_commit(
            debate_id=item.debate_id,
            event=f"{_kind(item)}.hidden",
            payload={
                f"{_kind(item)}_id": item.pk,
                "reason": item.hidden_reason,
                "notice": hidden_notice(item.hidden_reason),
            },
        )


# --- Flags ----------------------------------------------------------------------------


@transaction.atomic
def flag_create(*, user, item: Item, reason: str, note: str = "") -> Flag:
    """A reader reports an item they can see (the caller has checked that),
    once per item. The author is told without the flagger's name, moderators
    get a queue notification, and once ``debate.auto_hide_flags`` distinct
    members have open flags on it the item is hidden pending review."""
    debate = item.debate
    check_perm(user, "deliberation.flag", item, "You may not flag this.")
    if reason not in Flag.Reason.values:
        raise ValidationError({"reason": "Choose a reason."})
    note = (note or "").strip()
    if len(note) > FLAG_NOTE_MAX:
        raise ValidationError({"note": f"At most {FLAG_NOTE_MAX} characters."})
    if reason == Flag.Reason.OTHER and not note:
        raise ValidationError({"note": "Say what is wrong."})
    # The item's row lock orders concurrent flags, so the auto-hide count below
    # sees every earlier flag and hides once.
    item = _locked(item)
    membership_ensure(debate=debate, user=user)
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                debate=debate,
                flagger=user,
                reason=reason,
                note=note,
                **{_kind(item): item},
            )
    except IntegrityError:
        raise ValidationError("You have already flagged this.") from None
    kind = _kind(item)
    label = Flag.Reason(reason).label.lower()
    author = _author_of(item)
    # One notification per item and day, to its author and to the moderators,
    # whatever the number of flags (the queue and "my flags" list them all).
    anchor = f"#flagged-{kind}-{item.pk}"
    if author is not None:
        notify_once_a_day(
            users=[author],
            kind=Notification.Kind.FLAG,
            text=f"Your {kind} “{excerpt(_text_of(item))}” was flagged ({label}). "
            "You may reply once.",
            url=reverse("my_flags", kwargs={"slug": debate.slug}) + anchor,
            debate=debate,
        )
    queue_url = reverse("moderation_queue", kwargs={"slug": debate.slug})
    notify_moderators(
        debate=debate,
        text=f"A {kind} was flagged ({label}).",
        url=queue_url + f"#queue-{kind}-{item.pk}",
        exclude=[user],
        once_a_day=True,
    )
    _maybe_auto_hide(item, debate=debate)
    # No content and no names: dashboards refresh their "flags waiting".
    publish_on_commit(debate_id=debate.pk, event="flags.changed", payload={})
    return flag


def _maybe_auto_hide(item: Item, *, debate: Debate) -> None:
    threshold = debate.auto_hide_flags
    if not threshold or _is_hidden(item):
        return
    if isinstance(item, Claim) and item.status != Claim.Status.VISIBLE:
        return
    flaggers = (
        Flag.objects.filter(**{_kind(item): item}, status=Flag.Status.OPEN)
        .values("flagger")
        .distinct()
        .count()
    )
    if flaggers < threshold:
        return
    before = _state(item)
    _set_hidden(item, reason=AUTO_HIDE_REASON.format(flags=flaggers))
    _audit(
        actor=None,
        debate_id=debate.pk,
        action=Action.AUTO_HIDE,
        item=item,
        reason=f"{flaggers} members flagged it",
        before=before,
        after=_state(item),
    )
    _tell_author(
        item,
        actor=None,
        text=f"Your {_kind(item)} “{excerpt(_text_of(item))}” is hidden until a "
        "moderator reviews the flags on it.",
    )
    _publish_hidden(item)


@transaction.atomic
def flag_reply(*, user, flag: Flag, body: str) -> Flag:
    """The item's author answers the flags on it, once per item whatever
    their number: the reply is kept on every flag of the item (moderators
    read it in the queue, later flags included)."""
    flag = Flag.objects.select_for_update().get(pk=flag.pk)
    item = flag.target
    if not user.is_authenticated or _author_id(item) != user.pk:
        raise PermissionDenied("Only the author may reply to a flag.")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write your reply."})
    if len(body) > REPLY_MAX:
        raise ValidationError({"body": f"At most {REPLY_MAX} characters."})
    flags = Flag.objects.select_for_update().filter(**{_kind(item): item})
    if any(f.replied_at is not None for f in flags):
        raise ValidationError("You have already replied about this item.")
    now = timezone.now()
    flags.update(author_reply=body, replied_at=now)
    flag.author_reply, flag.replied_at = body, now
    return flag


@transaction.atomic
def flags_dismiss(*, user, item: Item, reason: str = "") -> ModerationAction:
    """A moderator closes the item's open flags as unfounded; an item that the
    flags had hidden is shown again. Two moderators at once: the second finds
    nothing open and gets a ValidationError (one resolution, one audit row)."""
    check_moderator(user, item.debate)
    reason = _clean_reason(reason, required=False)
    item = _locked(item)
    before = _state(item)
    flag_ids = _resolve_open_flags(item, user=user, status=Flag.Status.DISMISSED)
    if not flag_ids:
        raise ValidationError("These flags were already resolved.")
    if _is_hidden(item) and _last_hide_was_automatic(item):
        _unhide(item)
    after = _state(item)
    return _audit(
        actor=user,
        debate_id=item.debate_id,
        action=Action.DISMISS_FLAGS,
        item=item,
        reason=reason,
        before={**before, "open_flags": flag_ids},
        after={**after, "open_flags": []},
    )


def _last_hide_was_automatic(item: Item) -> bool:
    last = (
        ModerationAction.objects.filter(
            **{_kind(item): item},
            action__in=[Action.AUTO_HIDE, Action.HIDE, Action.RESTORE],
        )
        .order_by("-pk")
        .values_list("action", flat=True)
        .first()
    )
    return last == Action.AUTO_HIDE


def _unhide(item: Item) -> None:
    if isinstance(item, Claim):
        claim_services.claim_show(claim=item)
        publish_claim_event(
            item, "claim.added", {"claim_id": item.pk, "stance": item.stance}
        )
    else:
        item.hidden_at, item.hidden_reason = None, ""
        item.save(update_fields=["hidden_at", "hidden_reason", "updated"])


# --- Hide, restore, approve -----------------------------------------------------------


@transaction.atomic
def item_hide(*, user, item: Item, reason: str) -> ModerationAction:
    """A moderator hides a claim, annotation or comment. ``reason`` is public:
    readers see "hidden by a moderator: <reason>" where the item was; the text
    stays for moderators and the author. Upholds the item's open flags."""
    check_moderator(user, item.debate)
    reason = _clean_reason(reason, required=True)
    item = _locked(item)
    if isinstance(item, Claim) and item.status not in (
        Claim.Status.VISIBLE,
        Claim.Status.HIDDEN,
    ):
        raise ValidationError("Only a visible claim can be hidden.")
    before = _state(item)
    flag_ids = _resolve_open_flags(item, user=user, status=Flag.Status.UPHELD)
    if _is_hidden(item) and item.hidden_reason == reason and not flag_ids:
        raise ValidationError("This is already hidden for that reason.")
    _set_hidden(item, reason=reason)
    action = _audit(
        actor=user,
        debate_id=item.debate_id,
        action=Action.HIDE,
        item=item,
        reason=reason,
        before={**before, "open_flags": flag_ids},
        after=_state(item),
    )
    _tell_author(
        item,
        actor=user,
        text=f"A moderator hid your {_kind(item)} “{excerpt(_text_of(item))}”: "
        f"{reason}",
    )
    _publish_hidden(item)
    return action


@transaction.atomic
def item_restore(*, user, item: Item, reason: str = "") -> ModerationAction:
    """A moderator shows a hidden item again; its open flags are dismissed."""
    check_moderator(user, item.debate)
    reason = _clean_reason(reason, required=False)
    item = _locked(item)
    if not _is_hidden(item):
        raise ValidationError("This is not hidden.")
    before = _state(item)
    flag_ids = _resolve_open_flags(item, user=user, status=Flag.Status.DISMISSED)
    _unhide(item)
    action = _audit(
        actor=user,
        debate_id=item.debate_id,
        action=Action.RESTORE,
        item=item,
        reason=reason,
        before={**before, "open_flags": flag_ids},
        after=_state(item),
    )
    _tell_author(
        item,
        actor=user,
        text=f"A moderator restored your {_kind(item)} “{excerpt(_text_of(item))}”.",
    )
    return action


@transaction.atomic
def claim_approve(*, user, claim: Claim, reason: str = "") -> ModerationAction:
    """A moderator publishes a pending contribution (pre-moderation)."""
    check_moderator(user, claim.debate)
    claim = _locked(claim)
    if claim.status != Claim.Status.PENDING:
        raise ValidationError("Only a pending claim can be approved.")
    before = _state(claim)
    claim_services.claim_show(claim=claim)
    action = _audit(
        actor=user,
        debate_id=claim.debate_id,
        action=Action.APPROVE,
        item=claim,
        reason=_clean_reason(reason, required=False),
        before=before,
        after=_state(claim),
    )
    _tell_author(
        claim,
        actor=user,
        text=f"Your claim “{excerpt(claim.text)}” was approved and is now visible.",
    )
    if claims_are_public(claim.debate, [claim.pk]):
        parent = claim.parent_path
        publish_on_commit(
            debate_id=claim.debate_id,
            event="claim.added",
            payload={
                "claim_id": claim.pk,
                "parent_id": Claim.objects.filter(path=parent)
                .values_list("pk", flat=True)
                .first(),
                "stance": claim.stance,
                "author": public_name(claim.debate, claim.author),
            },
        )
    return action


# --- Edit, lock, pin ------------------------------------------------------------------


@transaction.atomic
def claim_moderator_edit(
    *,
    user,
    claim: Claim,
    note: str,
    text: str | None = None,
    explanation: str | None = None,
) -> ModerationAction:
    """A moderator rewrites a claim with a note shown on the claim ("edited
    by a moderator: <note>"); the earlier text is kept as a revision."""
    check_moderator(user, claim.debate)
    note = _clean_reason(note, required=True)
    claim = _locked(claim)
    before = _state(claim)
    updated = claim_services.claim_update(
        claim=claim,
        author=user,
        text=text,
        explanation=explanation,
        note=note,
        moderator_note=note,
    )
    if (updated.text, updated.explanation) == (before["text"], before["explanation"]):
        raise ValidationError({"text": "Nothing changed."})
    flag_ids = _resolve_open_flags(updated, user=user, status=Flag.Status.UPHELD)
    action = _audit(
        actor=user,
        debate_id=updated.debate_id,
        action=Action.EDIT,
        item=updated,
        reason=note,
        before={**before, "open_flags": flag_ids},
        after=_state(updated),
    )
    _tell_author(
        updated,
        actor=user,
        text=f"A moderator edited your claim “{excerpt(updated.text)}”: {note}",
    )
    publish_claim_event(updated, "claim.changed", {"claim_id": updated.pk})
    return action


@transaction.atomic
def revision_redact(*, user, revision: ClaimRevision, reason: str) -> ModerationAction:
    """A moderator removes the words a revision of a claim brought (personal
    data, say) from its history: the history page and the revisions API then
    say "redacted by a moderator". The audit row names the revision, not the
    words, and earlier audit rows of the claim lose those words too."""
    claim = revision.claim
    check_moderator(user, claim.debate, "Only the debate's moderators may redact.")
    reason = _clean_reason(reason, required=True)
    revision = ClaimRevision.objects.select_for_update().get(pk=revision.pk)
    if revision.redacted_at is not None:
        raise ValidationError("This revision is redacted already.")
    words = {
        "text": revision.text_after,
        "explanation": revision.explanation_after,
    }
    claim_services.claim_revision_redact(revision)
    scrubbed = []
    for row in ModerationAction.objects.filter(claim=claim).exclude(
        action=Action.REDACT
    ):
        before = _without_words(row.before, words)
        after = _without_words(row.after, words)
        if (before, after) != (row.before, row.after):
            row.before, row.after = before, after
            scrubbed.append(row)
    # Append-only but for this: the words are what is being taken back.
    ModerationAction.objects.bulk_update(scrubbed, ["before", "after"])
    return _audit(
        actor=user,
        debate_id=claim.debate_id,
        action=Action.REDACT,
        item=claim,
        reason=reason,
        after={"revision": revision.number, "audit_rows_scrubbed": len(scrubbed)},
    )


def _without_words(state: dict, words: dict) -> dict:
    return {
        key: None if key in words and value and value == words[key] else value
        for key, value in (state or {}).items()
    }


@transaction.atomic
def claim_set_locked(
    *, user, claim: Claim, locked: bool, reason: str = ""
) -> ModerationAction:
    """Lock (or unlock) a thread: no replies (new claims or comments) at or
    below ``claim`` while it is locked; votes still count (rule
    ``thread_is_open``)."""
    return _set_flag(
        user=user,
        claim=claim,
        field="locked",
        value=locked,
        action=Action.LOCK if locked else Action.UNLOCK,
        reason=reason,
    )


@transaction.atomic
def claim_set_pinned(
    *, user, claim: Claim, pinned: bool, reason: str = ""
) -> ModerationAction:
    """Pin (or unpin) a claim: pinned claims come first among their siblings."""
    return _set_flag(
        user=user,
        claim=claim,
        field="pinned",
        value=pinned,
        action=Action.PIN if pinned else Action.UNPIN,
        reason=reason,
    )


def _set_flag(*, user, claim, field, value, action, reason) -> ModerationAction:
    check_moderator(user, claim.debate)
    reason = _clean_reason(reason, required=False)
    claim = _locked(claim)
    if getattr(claim, field) == value:
        raise ValidationError(f"The claim is already {'' if value else 'un'}{field}.")
    before = _state(claim)
    if field == "locked":
        claim_services.claim_set_locked(claim=claim, locked=value)
    else:
        claim_services.claim_set_pinned(claim=claim, pinned=value)
    publish_claim_event(claim, "claim.changed", {"claim_id": claim.pk})
    return _audit(
        actor=user,
        debate_id=claim.debate_id,
        action=action,
        item=claim,
        reason=reason,
        before=before,
        after=_state(claim),
    )


# --- Move and merge -------------------------------------------------------------------


@transaction.atomic
def claim_move(
    *, user, claim: Claim, new_parent: Claim, reason: str = ""
) -> ModerationAction:
    """Move a pro or con (and its branch) under another claim of the debate,
    never under itself or its own descendants. Its stance is kept."""
    check_moderator(user, claim.debate)
    reason = _clean_reason(reason, required=False)
    claim, new_parent = claim_services.claims_lock(claim, new_parent)
    before = _state(claim)
    claim = claim_services.claim_move(claim=claim, new_parent=new_parent)
    action = _audit(
        actor=user,
        debate_id=claim.debate_id,
        action=Action.MOVE,
        item=claim,
        reason=reason,
        before=before,
        after={**_state(claim), "parent": new_parent.pk},
    )
    _tell_author(
        claim,
        actor=user,
        text=f"A moderator moved your claim “{excerpt(claim.text)}”.",
    )
    publish_on_commit(
        debate_id=claim.debate_id, event="tree.changed", payload={"claim_id": claim.pk}
    )
    return action


@transaction.atomic
def claims_merge(
    *, user, duplicate: Claim, kept: Claim, reason: str = ""
) -> ModerationAction:
    """Merge a duplicate into the claim that is kept. Children, votes, impact
    ratings, citations, evidence annotations and comments of ``duplicate``
    move to ``kept``; a person who voted (or rated) both keeps their vote on
    ``kept``. ``duplicate`` becomes a link to ``kept`` (its text stays for the
    record). Notes on the duplicate's own text stay with it (their anchors are
    in its text).

    Both claim rows are locked first: votes take a key-share lock on the claim
    they vote on (see services.voting), so a vote racing the merge either lands
    before it (and is moved) or after it (and follows the link): none is lost.
    """
    check_moderator(user, duplicate.debate)
    reason = _clean_reason(reason, required=False)
    duplicate, kept = claim_services.claims_lock(duplicate, kept)
    before = _state(duplicate)
    duplicate, content = claim_services.claims_merge(duplicate=duplicate, kept=kept)
    # What people left on the duplicate: the map does not know about it.
    moved = dict(content)
    for model, key in ((Vote, "votes"), (Impact, "impacts")):
        on_kept = model.objects.filter(claim=kept).values("user_id")
        dropped, _ = model.objects.filter(claim=duplicate, user_id__in=on_kept).delete()
        moved[key] = model.objects.filter(claim=duplicate).update(claim=kept)
        if model is Vote:
            moved["dropped_votes"] = dropped
    moved["comments"] = Comment.objects.filter(claim=duplicate).update(claim=kept)
    flag_ids = _resolve_open_flags(duplicate, user=user, status=Flag.Status.UPHELD)
    action = _audit(
        actor=user,
        debate_id=duplicate.debate_id,
        action=Action.MERGE,
        item=duplicate,
        reason=reason,
        before={**before, "open_flags": flag_ids},
        after={**_state(duplicate), "kept": kept.pk, "moved": moved},
    )
    _tell_author(
        duplicate,
        actor=user,
        text=f"A moderator merged your claim “{excerpt(duplicate.text)}” into a "
        "claim that says the same.",
    )
    publish_on_commit(
        debate_id=duplicate.debate_id,
        event="tree.changed",
        payload={"claim_id": duplicate.pk, "kept_id": kept.pk},
    )
    return action


# --- Members --------------------------------------------------------------------------


def _check_may_act_on(user, membership: Membership) -> Membership:
    debate = membership.debate
    check_moderator(user, debate)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.user_id == user.pk:
        raise ValidationError("You cannot act on your own membership.")
    if membership.role == Membership.Role.OWNER or membership.user_id == (
        debate.owner_id
    ):
        raise PermissionDenied("The owner cannot be suspended or removed.")
    is_owner = user.pk == debate.owner_id or user.is_staff
    if membership.role == Membership.Role.MODERATOR and not is_owner:
        raise PermissionDenied("Only the owner may act on a moderator.")
    return membership


@transaction.atomic
def member_suspend(
    *, user, membership: Membership, until: datetime, reason: str
) -> ModerationAction:
    """Suspend a member until ``until`` (the suspension then ends by itself),
    with a justification of at least JUSTIFICATION_MIN characters."""
    reason = _clean_reason(reason, required=True, minimum=JUSTIFICATION_MIN)
    membership = _check_may_act_on(user, membership)
    now = timezone.now()
    if until <= now:
        raise ValidationError({"until": "Choose a time in the future."})
    if until - now > SUSPENSION_MAX:
        raise ValidationError({"until": "At most a year; remove the member instead."})
    before = _member_state(membership)
    membership.status, membership.suspended_until = Membership.Status.SUSPENDED, until
    membership.save(update_fields=["status", "suspended_until"])
    return _member_action(user, membership, Action.SUSPEND, reason, before)


@transaction.atomic
def member_remove(*, user, membership: Membership, reason: str) -> ModerationAction:
    """Remove a member from the debate for good (until reinstated): they can
    no longer contribute, nor read a private debate."""
    reason = _clean_reason(reason, required=True, minimum=JUSTIFICATION_MIN)
    membership = _check_may_act_on(user, membership)
    if membership.status == Membership.Status.REMOVED:
        raise ValidationError("This member was already removed.")
    before = _member_state(membership)
    membership.status, membership.suspended_until = Membership.Status.REMOVED, None
    membership.save(update_fields=["status", "suspended_until"])
    return _member_action(user, membership, Action.REMOVE, reason, before)


@transaction.atomic
def member_reinstate(
    *, user, membership: Membership, reason: str = ""
) -> ModerationAction:
    """End a suspension or a removal early."""
    reason = _clean_reason(reason, required=False)
    membership = _check_may_act_on(user, membership)
    if membership.status == Membership.Status.ACTIVE:
        raise ValidationError("This member is active.")
    before = _member_state(membership)
    membership.status, membership.suspended_until = Membership.Status.ACTIVE, None
    membership.save(update_fields=["status", "suspended_until"])
    return _member_action(user, membership, Action.REINSTATE, reason, before)


@transaction.atomic
def member_warn(*, user, membership: Membership, reason: str) -> ModerationAction:
    """Warn a member (no other effect): they are told why, and the log keeps
    it, so a later suspension can point to it."""
    reason = _clean_reason(reason, required=True, minimum=JUSTIFICATION_MIN)
    membership = _check_may_act_on(user, membership)
    if membership.status == Membership.Status.REMOVED:
        raise ValidationError("This member was removed; reinstate them first.")
    before = _member_state(membership)
    return _member_action(user, membership, Action.WARN, reason, before)


# Roles the owner may give: the owner's own role is not handed over here.
ASSIGNABLE_ROLES = (
    Membership.Role.MODERATOR,
    Membership.Role.PARTICIPANT,
    Membership.Role.SUGGESTER,
    Membership.Role.OBSERVER,
)


@transaction.atomic
def member_role_set(
    *, user, membership: Membership, role: str, reason: str = ""
) -> ModerationAction:
    """The owner names a member moderator, participant, suggester or
    observer (``deliberation.change_debate``: the owner, or staff). The
    member is told; the log keeps the role before and after."""
    debate = membership.debate
    check_perm(user, "deliberation.change_debate", debate, "Only the owner may.")
    if role not in ASSIGNABLE_ROLES:
        raise ValidationError(
            {"role": "Choose moderator, participant, suggester or observer."}
        )
    reason = _clean_reason(reason, required=False)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Membership.Role.OWNER or membership.user_id == (
        debate.owner_id
    ):
        raise ValidationError({"role": "The owner's role cannot be changed."})
    if membership.role == role:
        raise ValidationError({"role": "The member has this role already."})
    before = _member_state(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return _member_action(user, membership, Action.ROLE, reason, before)


def _member_action(user, membership, action, reason, before) -> ModerationAction:
    # Their open pages ask again whether they may follow the debate.
    access_changed_on_commit(
        user_ids=[membership.user_id], debate_id=membership.debate_id
    )
    row = _audit(
        actor=user,
        debate_id=membership.debate_id,
        action=action,
        membership=membership,
        reason=reason,
        before=before,
        after=_member_state(membership),
    )
    until = membership.suspended_until
    question = excerpt(membership.debate.question)
    if action == Action.SUSPEND:
        text = f"You are suspended from “{question}” until {until:%Y-%m-%d %H:%M} "
        text += f"UTC: {reason}"
    elif action == Action.REMOVE:
        text = f"You were removed from “{question}”: {reason}"
    elif action == Action.WARN:
        text = f"A moderator of “{question}” warns you: {reason}"
    elif action == Action.ROLE:
        role = Membership.Role(membership.role).label.lower()
        text = f"You are now a {role} in “{question}”."
    else:
        text = f"You may take part in “{question}” again."
    notify(
        users=[membership.user],
        kind=Notification.Kind.MODERATION,
        text=text,
        url=reverse("moderation_log", kwargs={"slug": membership.debate.slug}),
        debate=membership.debate,
    )
    return row


# --- One act by name -----------------------------------------------------------------


def moderate_item(user, item, data: dict):
    """Dispatch one moderator act named by ``data["action"]`` (as the queue
    page and the API post it) to its service; ``data`` holds its reason and,
    for move/merge/edit, the other claim's id or the new text."""
    action, reason = data["action"], data.get("reason") or ""
    is_claim = isinstance(item, Claim)
    claim_only = {"approve", "lock", "unlock", "pin", "unpin", "move", "merge", "edit"}
    if action in claim_only and not is_claim:
        raise ValidationError({"action": "This action applies to claims only."})
    if action == "dismiss":
        return flags_dismiss(user=user, item=item, reason=reason)
    if action == "hide":
        return item_hide(user=user, item=item, reason=reason)
    if action == "restore":
        return item_restore(user=user, item=item, reason=reason)
    if action == "approve":
        return claim_approve(user=user, claim=item, reason=reason)
    if action in ("lock", "unlock"):
        return claim_set_locked(
            user=user, claim=item, locked=action == "lock", reason=reason
        )
    if action in ("pin", "unpin"):
        return claim_set_pinned(
            user=user, claim=item, pinned=action == "pin", reason=reason
        )
    if action in ("move", "merge"):
        field = "new_parent" if action == "move" else "kept"
        other = Claim.objects.filter(debate=item.debate, pk=data.get(field)).first()
        if other is None:
            raise ValidationError({field: "No such claim in this debate."})
        if action == "move":
            return claim_move(user=user, claim=item, new_parent=other, reason=reason)
        return claims_merge(user=user, duplicate=item, kept=other, reason=reason)
    return claim_moderator_edit(
        user=user,
        claim=item,
        note=reason,
        text=data.get("text") or None,
        explanation=data.get("explanation"),
    )


# --- Many at once, and the canned reasons ---------------------------------------------

BULK_ACTIONS = ("dismiss", "hide", "restore")
BULK_MAX = 100


def moderate_items(user, items: list, data: dict) -> tuple[int, list[str]]:
    """One act (dismiss, hide or restore, with one reason) on many queue
    items: each in its own transaction, as if taken one by one, so that an
    item another moderator resolved meanwhile is skipped with its reason,
    not the whole batch. Returns (acts done, why each skipped one was)."""
    action = data.get("action")
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": "Choose dismiss, hide or restore."})
    if not items:
        raise ValidationError({"items": "Tick at least one item."})
    if len(items) > BULK_MAX:
        raise ValidationError({"items": f"At most {BULK_MAX} items at once."})
    for item in items:
        check_moderator(user, item.debate)
    done, skipped = 0, []
    for item in items:
        try:
            moderate_item(user, item, {"action": action, "reason": data.get("reason")})
        except ValidationError as exc:
            if hasattr(exc, "message_dict") and "reason" in exc.message_dict:
                raise  # the same for every item: say it once, act on none
            why = " ".join(exc.messages)
            skipped.append(f"{_kind(item).capitalize()} {item.pk}: {why}")
        else:
            done += 1
    return done, skipped


REASONS_MAX = 30


@transaction.atomic
def moderation_reasons_set(*, user, debate: Debate, reasons: list[str]) -> list[str]:
    """A debate's canned reasons, one per entry (blank ones dropped, repeats
    once); an empty list brings back the defaults. Moderators only."""
    check_moderator(user, debate)
    cleaned = list(
        dict.fromkeys(" ".join(r.split()) for r in reasons if r and r.strip())
    )
    if len(cleaned) > REASONS_MAX:
        raise ValidationError({"reasons": f"At most {REASONS_MAX} reasons."})
    too_long = [r for r in cleaned if len(r) > REASON_MAX]
    if too_long:
        raise ValidationError(
            {"reasons": f"At most {REASON_MAX} characters each: “{too_long[0][:40]}…”"}
        )
    Debate.objects.filter(pk=debate.pk).update(moderation_reasons=cleaned)
    debate.moderation_reasons = cleaned
    return cleaned
