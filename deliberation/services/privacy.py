"""Erasing a class and purging debates past their retention: guest accounts,
pseudonyms, sessions and login lockouts go; an audit row keeps counts only."""

import logging
from contextlib import suppress
from datetime import timedelta
from importlib import import_module

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.utils import reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claims import services as claim_services
from claims.models import Annotation, Citation, Claim
from deliberation.events import access_changed_on_commit
from deliberation.models import (
    Comment,
    Debate,
    Membership,
    ModerationAction,
    Snapshot,
)
from deliberation.services.common import check_perm
from deliberation.services.idempotency import keys_purge
from deliberation.services.interchange import import_jobs_purge

log = logging.getLogger(__name__)

KEEP, DELETE = "keep", "delete"
CONFIRM_WORD = "ERASE"


def _class_debate_ids(debate: Debate) -> list[int]:
    """The debate and its small-group copies: one class."""
    return [
        debate.pk,
        *Debate.objects.filter(parent=debate).values_list("pk", flat=True),
    ]


def _guests(debate_ids: list[int], *, spare=()) -> list:
    """Accounts made for these debates. Staff, and anyone in ``spare`` (the
    teacher), are never erased, whatever their membership says."""
    ids = (
        Membership.objects.filter(debate_id__in=debate_ids, guest=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    return list(
        get_user_model()
        .objects.filter(pk__in=ids, is_staff=False, is_superuser=False)
        .exclude(pk__in=[u for u in spare if u])
        .only("pk", "username")
    )


def sessions_delete(user_ids) -> int:
    """Delete the sessions of these users: database sessions are decoded to
    find them (a session row does not name its user); the engine's store also
    drops its cached copy (cached_db)."""
    wanted = {str(pk) for pk in user_ids}
    if not wanted:
        return 0
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = [
        s.session_key
        for s in Session.objects.only("session_key", "session_data").iterator()
        if str(s.get_decoded().get("_auth_user_id", "")) in wanted
    ]
    for key in keys:
        store(session_key=key).delete()
    Session.objects.filter(session_key__in=keys).delete()
    return len(keys)


def lockouts_reset(usernames) -> int:
    """Forget failed log-ins of these usernames: through django-axes' own
    reset (whichever handler is configured), then any rows its models still
    hold (attempts with their IP address, failure and access logs)."""
    usernames = list(usernames)
    if not usernames:
        return 0
    count = 0
    for username in usernames:
        # A handler that cannot reset by username alone raises; its rows go below.
        with suppress(NotImplementedError):
            count += reset(username=username)
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        rows = model.objects.filter(username__in=usernames)
        # Without signals: axes' cache handler has no receiver for deleted
        # rows and raises (rows are left from an earlier database handler).
        count += rows._raw_delete(rows.db)
    return count


def _erase_people(debate_ids: list[int], *, spare=()) -> dict:
    """Guest accounts of these debates with their sessions and lockouts; the
    other members keep their accounts but lose pseudonym, animal name, side
    and team. Deleting a user cascades to memberships, votes, impacts, flags
    raised, notifications, e-mail addresses and tokens; claims, annotations
    and comments they wrote stay with no author (SET_NULL)."""
    guests = _guests(debate_ids, spare=spare)
    guest_ids = [u.pk for u in guests]
    counts = {
        "guests": len(guests),
        "sessions": sessions_delete(guest_ids),
        "lockouts": lockouts_reset(u.username for u in guests),
    }
    counts["memberships_cleared"] = (
        Membership.objects.filter(debate_id__in=debate_ids)
        .exclude(user_id__in=guest_ids)
        .update(pseudonym="", animal_name="", side="", team="")
    )
    get_user_model().objects.filter(pk__in=guest_ids).delete()
    return counts


def _debates_delete(debate_ids: list[int]) -> None:
    """Anchored rows hold the revisions they point at (PROTECT): they go
    first, then the debates with everything else in them."""
    Annotation.objects.filter(debate_id__in=debate_ids).delete()
    Citation.objects.filter(claim__debate_id__in=debate_ids).delete()
    Debate.objects.filter(pk__in=debate_ids).delete()


def _copies_delete(debate: Debate, originals: set[int]) -> int:
    """Claims of the small-group copies copied from deleted ones (the key
    of a copied claim is its original's id) that were not deleted with their
    author: copies made when they were re-authored to the teacher."""
    if not originals:
        return 0
    copies = Claim.objects.filter(
        debate__parent=debate, key__in=[str(pk) for pk in originals]
    )
    count = copies.count()
    claim_services.claims_delete(copies)
    return count


# What an audit row keeps of an item's words (moderation._state), erased with
# the item: the row keeps who did what, to which kind of item, when and why.
ERASED_KEYS = ("text", "explanation", "body")


def _audited_items(debate_ids: list[int]) -> dict[int, tuple]:
    """Audit rows of these debates about a claim, annotation or comment:
    row id → (claim, annotation, comment) ids, read before deleting, which
    empties those links."""
    rows = ModerationAction.objects.filter(debate_id__in=debate_ids).exclude(
        claim=None, annotation=None, comment=None
    )
    return {
        pk: items
        for pk, *items in rows.values_list("pk", "claim", "annotation", "comment")
    }


def _audit_scrub(audited: dict[int, tuple]) -> int:
    """Audit rows whose item was deleted lose its words from their before and
    after (an exception to append-only rows: erasure is the law's)."""
    models = (Claim, Annotation, Comment)
    alive = [
        set(
            model.objects.filter(
                pk__in={i[n] for i in audited.values()} - {None}
            ).values_list("pk", flat=True)
        )
        for n, model in enumerate(models)
    ]
    gone = [
        pk
        for pk, items in audited.items()
        if any(i is not None and i not in alive[n] for n, i in enumerate(items))
    ]
    rows = list(ModerationAction.objects.filter(pk__in=gone))
    for row in rows:
        row.before, row.after = _scrubbed(row.before), _scrubbed(row.after)
    ModerationAction.objects.bulk_update(rows, ["before", "after"])
    return len(rows)


def _scrubbed(state: dict) -> dict:
    return {k: None if k in ERASED_KEYS else v for k, v in (state or {}).items()}


def class_erase(*, user, debate: Debate, contributions: str, confirm: str) -> dict:
    """Erase a class in one transaction: its guest accounts (the users
    themselves), their sessions and login lockouts, every pseudonym, animal
    name, side and team, and the opinion analyses (positions of people on a
    map). ``contributions``: "keep" leaves claims, annotations and comments
    in place by a former participant; "delete" removes what guests wrote (a
    deleted claim takes its branch with it, a deleted comment its replies).
    ``confirm`` is the word ERASE or the debate's join code. The audit row
    holds counts only. Returns the counts."""
    check_perm(
        user,
        "deliberation.change_debate",
        debate,
        "Only the debate's owner may erase the class.",
    )
    if contributions not in (KEEP, DELETE):
        raise ValidationError(
            {"contributions": "Choose whether to keep or delete the contributions."}
        )
    typed = (confirm or "").strip()
    if not typed or (
        typed.upper() != CONFIRM_WORD and typed.upper() != (debate.join_code or "")
    ):
        raise ValidationError(
            {"confirm": f"Type {CONFIRM_WORD} (or the join code) to confirm."}
        )
    with transaction.atomic():
        debate_ids = _class_debate_ids(debate)
        guest_ids = [
            u.pk for u in _guests(debate_ids, spare=(user.pk, debate.owner_id))
        ]
        deleted = {"claims": 0, "annotations": 0, "comments": 0}
        if contributions == DELETE:
            audited = _audited_items(debate_ids)
            in_class = {"debate_id__in": debate_ids}
            deleted["comments"] = Comment.objects.filter(
                **in_class, author_id__in=guest_ids
            ).count()
            Comment.objects.filter(**in_class, author_id__in=guest_ids).delete()
            annotations = Annotation.objects.filter(
                **in_class, creator_id__in=guest_ids
            )
            deleted["annotations"] = annotations.count()
            annotations.delete()
            claims = Claim.objects.filter(**in_class, author_id__in=guest_ids)
            deleted["claims"] = claims.count()
            originals = set(claims.values_list("pk", flat=True))
            claim_services.claims_delete(claims)
            deleted["claims"] += _copies_delete(debate, originals)
            _audit_scrub(audited)
        counts = _erase_people(debate_ids, spare=(user.pk, debate.owner_id))
        # The erased pupils' open pages close.
        access_changed_on_commit(user_ids=guest_ids)
        counts["analyses"] = Snapshot.objects.filter(debate_id__in=debate_ids).delete()[
            0
        ]
        Debate.objects.filter(pk__in=debate_ids).update(analysis_groups=0)
        # No code or link of the erased class (nor of its group copies) lets
        # anyone in again; the next class asks the dashboard for new ones.
        Debate.objects.select_for_update().filter(pk__in=debate_ids).update(
            join_code=None,
            invite_token=None,
            join_code_expires=None,
            joining_open=False,
            updated=timezone.now(),
        )
        counts["contributions"] = contributions
        counts.update({f"{k}_deleted": v for k, v in deleted.items()})
        ModerationAction.objects.create(
            debate=debate,
            actor=user,
            action=ModerationAction.Action.ERASE,
            after=counts,
        )
    return counts


# --- Retention ----------------------------------------------------------------


def debates_due(now=None) -> list[Debate]:
    """Closed debates whose retention period has run out (group copies go with
    their class debate)."""
    now = now or timezone.now()
    candidates = Debate.objects.filter(
        closed_at__isnull=False, retention_days__isnull=False, parent__isnull=True
    ).only("pk", "slug", "closed_at", "retention_days", "owner_id")
    return [
        d for d in candidates if d.closed_at + timedelta(days=d.retention_days) <= now
    ]


def debate_purge(debate: Debate) -> dict | None:
    """Delete a debate, its group copies and its guest accounts with their
    sessions and lockouts, in one transaction. The debate's own audit rows go
    with it; the log line keeps counts only. None when another run is purging
    it (its row is locked) or purged it already."""
    with transaction.atomic():
        mine = Debate.objects.select_for_update(skip_locked=True).filter(pk=debate.pk)
        if not mine.values_list("pk", flat=True):
            return None
        debate_ids = _class_debate_ids(debate)
        counts = _erase_people(debate_ids, spare=(debate.owner_id,))
        _debates_delete(debate_ids)
        for gone in debate_ids:
            access_changed_on_commit(debate_id=gone)
    log.info("purged debate %s after retention: %s", debate.pk, counts)
    return counts


def purge_expired(now=None) -> dict:
    """Purge every debate past its retention, and forget idempotency keys and
    import jobs past theirs. Idempotent: a second run finds nothing left to do,
    and two at once count each debate in one of them."""
    totals = {"debates": 0, "guests": 0, "sessions": 0}
    for debate in debates_due(now):
        counts = debate_purge(debate)
        if counts is None:
            continue
        totals["debates"] += 1
        totals["guests"] += counts["guests"]
        totals["sessions"] += counts["sessions"]
    totals["idempotency_keys"] = keys_purge(now)
    totals["import_jobs"] = import_jobs_purge(now)
    return totals
