"""Stance votes and impact votes. One row per person and claim, written with a
single upsert so a double submit stores one vote; tallies are aggregated from
the rows (never kept as counters), so they always equal a recount."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from claims.models import Claim
from deliberation.events import publish
from deliberation.models import Impact, Vote
from deliberation.rules import cached_membership, membership_is_cached
from deliberation.selectors import (
    claim_for_voting,
    claims_are_public,
    small_team,
    tally_from_rows,
    tally_of,
    tally_query,
)
from deliberation.services.analysis import analysis_mark, analysis_request_after_votes
from deliberation.services.common import check_perm, membership_ensure


def _voted_claim(user, claim: Claim) -> Claim:
    """A link claim is a second place for its target: votes go to the target.
    Read by ``claim_for_voting`` under its key-share lock, so a vote never
    lands on a claim while it is being merged away (see
    moderation.claims_merge): the merge finishes first, the vote follows."""
    voted = claim_for_voting(user=user, pk=claim.pk, lock=True)
    if voted is None:
        return claim  # deleted meanwhile
    if voted.link_to_id is None:
        return voted
    # A link never points at a link; its target is locked the same way.
    return claim_for_voting(user=user, pk=voted.link_to_id, lock=True) or voted


def _check_may_vote(user, claim: Claim, *, join: bool = True) -> None:
    check_perm(user, "deliberation.vote_claim", claim)
    if join:
        membership_ensure(debate=claim.debate_id, user=user)


def _upsert(model, column: str, *, claim_id: int, user_id: int, value) -> None:
    """Store one person's vote (or impact) on a claim, replacing theirs: one
    INSERT ... ON CONFLICT, as ``bulk_create(update_conflicts=True)`` writes
    it, in plain SQL (the per-vote hot path; PostgreSQL and SQLite alike)."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} "
            f"(claim_id, user_id, {column}, created, updated) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (claim_id, user_id) "
            f"DO UPDATE SET {column} = EXCLUDED.{column}, updated = EXCLUDED.updated",
            [claim_id, user_id, value, now, now],
        )


# pg_advisory_lock(space, key): the first number names what is locked (a
# claim's tally), the second the claim. Ids past 2**31 share a key with
# another claim: their counts wait for each other, which is slower, never wrong.
TALLY_LOCK_SPACE = 7_341_001
# Numbers the counts (migration 0010): a later count has a higher number.
TALLY_VERSION = "deliberation_tally_version"


def _count_and_send(claim: Claim, user) -> None:
    """Count the claim's tally, number the count, and send both.

    On PostgreSQL the count is taken one claim at a time, under a session
    advisory lock: lock, count, number (a sequence) and unlock are four
    statements in one message, one round trip. So a count made later has a
    higher number, and pages keep the highest they got (static/js/debate.js):
    events may arrive in any order, and no lock is held while the event is
    sent. Two statements in one execute need client-side binding, Django's
    default with psycopg 3. SQLite has no such lock: counts go unnumbered."""
    if connection.vendor != "postgresql":
        claim.tally = tally_of(claim.pk, user=user)
        _send_tally(claim, version=None)
        return
    key = [TALLY_LOCK_SPACE, claim.pk % 2**31]
    sql, params = tally_query(claim.pk, user=user)
    unlocked = False
    with connection.cursor() as cursor:
        try:
            cursor.execute(
                f"SELECT pg_advisory_lock(%s, %s); {sql}; "
                f"SELECT nextval('{TALLY_VERSION}'), pg_advisory_unlock(%s, %s)",
                key + params + key,
            )
            cursor.nextset()
            claim.tally = tally_from_rows(cursor.fetchall())
            cursor.nextset()
            version, unlocked = cursor.fetchone()
        finally:
            if not unlocked:
                # A statement failed and the rest did not run. Not tied to a
                # transaction: released here (a connection that broke took its
                # session's locks with it).
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
    _send_tally(claim, version=version)


def _send_tally(claim: Claim, *, version: int | None) -> None:
    publish(
        debate_id=claim.debate_id,
        event="tally.changed",
        payload={
            "claim_id": claim.pk,
            "tally": claim.tally.as_dict(),
            "version": version,
        },
    )


def _shown_to_everyone(claim: Claim) -> bool:
    """Whether every reader may see ``claim`` (``claims_are_public``): its
    tally is news about it. Known without a query when the claim was read
    with its ancestors (``claim_for_voting``, the claim page); else asked."""
    hidden_above = getattr(claim, "hidden_above", None)
    if hidden_above is not None and claim.link_to_id is None:
        return claim.status == Claim.Status.VISIBLE and not hidden_above
    return claims_are_public(claim.debate, [claim.pk])


def _publish_tally_on_commit(claim: Claim, user) -> None:
    """After commit, count the claim's tally once: send it to the debate's
    pages, if everyone may see the claim (a debate's live events reach every
    reader), and keep it on ``claim.tally`` (with ``user``'s own votes) for
    the caller's response; ``claim.tally_failed`` if that count failed (the
    database went away after the commit: the vote is stored all the same)."""
    # A small team's counts go to no page (k-anonymity: its moderators read
    # them when the page loads).
    public = _shown_to_everyone(claim) and not small_team(claim.debate)

    def send():
        try:
            if not public:
                claim.tally = tally_of(claim.pk, user=user)
                return
            # Counted one vote at a time per claim and numbered in that order:
            # the last count runs after the last commit and has the highest
            # number, so the tally a page keeps equals a recount.
            _count_and_send(claim, user)
        except Exception:
            claim.tally_failed = not hasattr(claim, "tally")  # not counted
            raise

    # robust: the vote is stored; a live layer that is away must not turn
    # that into an error (pages catch up on their next load).
    transaction.on_commit(send, robust=True)


def vote_cast(*, user, claim: Claim, stance: str) -> Claim:
    """Agree, disagree or pass; replaces the person's earlier stance."""
    if stance not in Vote.Stance.values:
        raise ValidationError({"stance": "Choose agree, disagree or pass."})
    marked = False
    if _may_vote_in_one_statement(user, claim):
        _check_may_vote(user, claim, join=False)
        marked = settings.ANALYSIS_AFTER_VOTES and analysis_mark(claim.debate_id)
        if not marked and _upsert_unless_link(claim, user, stance):
            _publish_tally_on_commit(claim, user)
            return claim
    return _vote_cast(user=user, claim=claim, stance=stance, marked=marked)


@transaction.atomic
def _vote_cast(*, user, claim: Claim, stance: str, marked: bool) -> Claim:
    claim = _voted_claim(user, claim)
    _check_may_vote(user, claim)
    _upsert(Vote, "stance", claim_id=claim.pk, user_id=user.pk, value=stance)
    _publish_tally_on_commit(claim, user)
    analysis_request_after_votes(claim.debate_id, marked=marked)
    return claim


def _may_vote_in_one_statement(user, claim: Claim) -> bool:
    """The common vote, a member's on a claim that is not a link, with what
    the rules read at hand (``claim_for_voting``), can be stored by one
    statement that is its own transaction (PostgreSQL)."""
    return (
        connection.vendor == "postgresql"
        and claim.link_to_id is None
        and getattr(claim, "branch_locked", None) is not None
        and membership_is_cached(user, claim.debate_id)
        and cached_membership(user, claim.debate_id) is not None
    )


def _upsert_unless_link(claim: Claim, user, stance: str) -> bool:
    """``_upsert`` of a stance in one statement, reading the claim under the
    key-share lock that ``_voted_claim`` takes: while a merge holds the claim
    this waits, then stores nothing if the claim became a link. True when
    stored; False leaves the vote to the full path (which follows the link)."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Vote._meta.db_table} "
            "(claim_id, user_id, stance, created, updated) "
            f"SELECT id, %s, %s, %s, %s FROM {Claim._meta.db_table} "
            "WHERE id = %s AND link_to_id IS NULL FOR KEY SHARE "
            "ON CONFLICT (claim_id, user_id) "
            "DO UPDATE SET stance = EXCLUDED.stance, updated = EXCLUDED.updated",
            [user.pk, stance, now, now, claim.pk],
        )
        return cursor.rowcount == 1


@transaction.atomic
def vote_withdraw(*, user, claim: Claim) -> Claim:
    claim = _voted_claim(user, claim)
    _check_may_vote(user, claim, join=False)
    if Vote.objects.filter(claim=claim, user=user).delete()[0]:
        _publish_tally_on_commit(claim, user)
        analysis_request_after_votes(claim.debate_id)
    return claim


@transaction.atomic
def impact_set(*, user, claim: Claim, value: int) -> Claim:
    """Rate 0–4 how much a pro or con bears on its parent."""
    claim = _voted_claim(user, claim)
    if claim.depth == 1:
        raise ValidationError({"value": "A thesis has no parent to weigh against."})
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 4:
        raise ValidationError({"value": "Impact is a whole number from 0 to 4."})
    _check_may_vote(user, claim)
    _upsert(Impact, "value", claim_id=claim.pk, user_id=user.pk, value=value)
    _publish_tally_on_commit(claim, user)
    return claim


@transaction.atomic
def impact_withdraw(*, user, claim: Claim) -> Claim:
    claim = _voted_claim(user, claim)
    _check_may_vote(user, claim, join=False)
    if Impact.objects.filter(claim=claim, user=user).delete()[0]:
        _publish_tally_on_commit(claim, user)
    return claim
