"""Opinion analysis of a debate: run it (deliberation.analysis.pipeline) and
keep the result as a Snapshot; schedule runs after votes, coalesced."""

import logging
import time
from collections import Counter

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction

from claims.models import Claim
from deliberation import outbox
from deliberation.analysis.pipeline import analyse
from deliberation.models import Debate, OutboxMessage, Snapshot, Vote
from deliberation.selectors.debates import claims_shown_to
from deliberation.services.polis import claim_ids, participant_ids

logger = logging.getLogger(__name__)

VALUES = {Vote.Stance.AGREE: 1, Vote.Stance.DISAGREE: -1, Vote.Stance.PASS: 0}


def _set(snapshot: Snapshot, **fields) -> None:
    for name, value in fields.items():
        setattr(snapshot, name, value)
    snapshot.save(update_fields=list(fields))


def _group_stats(triples, groups: dict[int, list]) -> list[dict]:
    """Agree/disagree/all votes per claim inside each group and among the
    other groups' members (for "x % of the group, y % of the others")."""
    group_of = {pid: gid for gid, members in groups.items() for pid in members}
    counts: dict[tuple, Counter] = {}
    for pid, cid, value in triples:
        gid = group_of.get(pid)
        if gid is None:
            continue
        tally = counts.setdefault((gid, cid), Counter())
        tally["votes"] += 1
        tally["agree"] += value == 1
        tally["disagree"] += value == -1
    totals: dict = {}
    for (_, cid), tally in counts.items():
        totals.setdefault(cid, Counter()).update(tally)
    return [
        {
            "group": gid,
            "claim": cid,
            "inside": dict(tally),
            "outside": dict(totals[cid] - tally),
        }
        for (gid, cid), tally in sorted(counts.items())
    ]


def analysis_run(*, debate: Debate, snapshot: Snapshot | None = None) -> Snapshot:
    """Analyse the debate's stance votes now and store the result. Votes on
    visible and hidden theses and claims count; hidden claims, and claims
    under one, are moderated out. Meta claims (about the debate itself) are
    left out of the groups the same way, and listed apart as ``meta``.
    Participants are user ids in the stored
    result; ``participant_labels`` maps them to the ids to show (original
    Pol.is ids for imported debates)."""
    if snapshot is None:
        snapshot = Snapshot.objects.create(debate=debate)
    _set(snapshot, status=Snapshot.Status.RUNNING, progress=10)
    started = time.perf_counter()
    try:
        rows = Claim.objects.filter(
            debate=debate,
            link_to=None,
            status__in=[Claim.Status.VISIBLE, Claim.Status.HIDDEN],
        ).values_list("pk", "meta")
        meta_of = dict(rows)
        triples = [
            (user_id, claim_id, VALUES[stance])
            for user_id, claim_id, stance in Vote.objects.filter(
                claim_id__in=meta_of
            ).values_list("user_id", "claim_id", "stance")
        ]
        # Hidden claims, and claims under a hidden claim, are moderated out:
        # no reader sees them (the visibility rule, as an anonymous reader).
        public = set(
            claims_shown_to(AnonymousUser(), debate, numbered=False).values_list(
                "pk", flat=True
            )
        )
        moderated_out = [pk for pk in meta_of if pk not in public]
        meta = [pk for pk, is_meta in meta_of.items() if is_meta and pk in public]
        previous = (
            Snapshot.objects.filter(debate=debate, status=Snapshot.Status.DONE)
            .exclude(pk=snapshot.pk)
            .values_list("result", flat=True)
            .first()
        ) or {}
        keep_in = previous.get("clustered", [])
        mode = settings.ANALYSIS_MODE
        # Pol.is mode smooths k across runs: the state lives on the snapshot.
        same_mode = previous.get("mode") == mode
        smoothing = previous.get("k_smoothing") if same_mode else None
        _set(snapshot, progress=30)
        if len({t[0] for t in triples}) < 2 or len({t[1] for t in triples}) < 2:
            raise ValueError("Too few votes yet: two people on two claims at least.")
        result = analyse(
            triples,
            moderated_out=moderated_out + meta,
            keep_in=keep_in,
            min_group_size=settings.MIN_GROUP_SIZE,
            mode=mode,
            smoothing=smoothing,
        )
        _set(snapshot, progress=90)
        data = result.as_dict()
        data["group_stats"] = _group_stats(triples, result.groups)
        voted_on = set(result.claims)
        data["meta"] = [pk for pk in meta if pk in voted_on]
        data["moderated_out"] = [c for c in data["moderated_out"] if c not in meta]
    except Exception as error:  # a failed run is recorded, never raised
        logger.exception("analysis of debate %s failed", debate.pk)
        _set(
            snapshot,
            status=Snapshot.Status.FAILED,
            progress=100,
            error=str(error)[:2000],
            seconds=time.perf_counter() - started,
        )
        return snapshot
    with transaction.atomic():
        _set(
            snapshot,
            status=Snapshot.Status.DONE,
            progress=100,
            participants=data["participants"],
            claims=data["claims"],
            votes=data["votes"],
            seconds=time.perf_counter() - started,
            result=data,
        )
        # The groups everyone may see (small ones are numbered last): what
        # the "Tallies of" menu offers, with no query.
        Debate.objects.filter(pk=debate.pk).update(analysis_groups=data["large_groups"])
    debate.analysis_groups = data["large_groups"]
    return snapshot


def latest_snapshot(debate: Debate, *, done: bool = False) -> Snapshot | None:
    snapshots = Snapshot.objects.filter(debate=debate)
    if done:
        snapshots = snapshots.filter(status=Snapshot.Status.DONE)
    return snapshots.first()


def participant_labels(debate: Debate) -> dict:
    return participant_ids(debate)


def snapshot_summary(snapshot: Snapshot) -> dict:
    """The result with participants and claims as shown ids (original Pol.is
    ids, or the claim's key from an imported file): what
    ``analyze_debate --json`` prints."""
    data = dict(snapshot.result)
    labels = participant_labels(snapshot.debate)
    claim_labels = claim_ids(snapshot.debate)

    def label(pid):
        return labels.get(pid, pid)

    def claim(cid):
        return claim_labels.get(cid, cid)

    def claims_in(rows):
        return [{**row, "claim": claim(row["claim"])} for row in rows]

    data["moderated_out"] = [claim(c) for c in data.get("moderated_out", [])]
    data["meta"] = [claim(c) for c in data.get("meta", [])]
    data["common_ground"] = [claim(c) for c in data.get("common_ground", [])]
    data["claim_stats"] = claims_in(data.get("claim_stats", []))
    data["group_stats"] = claims_in(data.get("group_stats", []))
    data["repness"] = [
        {**r, "claims": claims_in(r["claims"])} for r in data.get("repness", [])
    ]
    data["consensus"] = {
        direction: claims_in(rows)
        for direction, rows in data.get("consensus", {}).items()
    }

    data["clustered"] = [label(p) for p in data.get("clustered", [])]
    data["groups"] = [
        {"id": g["id"], "members": [label(p) for p in g["members"]]}
        for g in data.get("groups", [])
    ]
    data["participant_projections"] = [
        {**row, "participant": label(row["participant"])}
        for row in data.get("participant_projections", [])
    ]
    data["snapshot"] = snapshot.pk
    data["status"] = snapshot.status
    data["seconds"] = snapshot.seconds
    return data


# --- Scheduling ---------------------------------------------------------------

TASK = "deliberation.analyze_debate"


def _schedule_key(debate_id: int) -> str:
    return f"analysis:{debate_id}"


def analysis_mark(debate_id: int) -> bool:
    """Take the debate's mark for ANALYSIS_MIN_INTERVAL seconds: True when
    this call took it (a run is to be requested), False while it is taken."""
    interval = settings.ANALYSIS_MIN_INTERVAL
    return cache.add(f"analysis-requested:{debate_id}", 1, timeout=interval)


def analysis_request(debate_id: int, *, marked: bool = False) -> Snapshot | None:
    """In the current transaction, queue one run of the debate's analysis
    ANALYSIS_MIN_INTERVAL seconds from now, unless one is queued already: a
    storm of votes makes one run. Returns the queued snapshot when this call
    queued it. Through the outbox, as a scheduled message the sweep sends
    when due (no task waits in a worker), so a broker that is away or
    restarted delays the run, never loses it.

    Two brakes: a cache mark keeps to one request per ANALYSIS_MIN_INTERVAL
    (also where tasks run in process, with no delay), and the outbox
    key keeps to one queued run (also while the cache is away). ``marked``:
    the caller took the mark already (``analysis_mark``)."""
    interval = settings.ANALYSIS_MIN_INTERVAL
    if not marked and not analysis_mark(debate_id):
        return None
    if OutboxMessage.objects.filter(key=_schedule_key(debate_id)).exists():
        return None
    with transaction.atomic():
        snapshot = Snapshot.objects.create(debate_id=debate_id)
        message = outbox.enqueue(
            TASK,
            debate_id,
            snapshot_id=snapshot.pk,
            key=_schedule_key(debate_id),
            delay=interval,
        )
        if message is None:  # a concurrent request queued one
            transaction.set_rollback(True)
            return None
    return snapshot


def analysis_request_after_votes(debate_id: int, *, marked: bool = False) -> None:
    """``analysis_request`` unless ANALYSIS_AFTER_VOTES is false."""
    if settings.ANALYSIS_AFTER_VOTES:
        analysis_request(debate_id, marked=marked)


def analysis_start(*, debate: Debate) -> Snapshot:
    """A run asked for by a facilitator: queued now, run by a worker."""
    snapshot = Snapshot.objects.create(debate=debate)
    outbox.enqueue(TASK, debate.pk, snapshot_id=snapshot.pk)
    return snapshot


# --- Duplicate suggestions -------------------------------------------------------


def similarity_warm(*, debate: Debate) -> int | None:
    """Encode the debate's visible claims now (sentence embeddings), so the
    first draft typed later is compared at once. The number of claims, or
    None when the backend keeps no vectors (TF-IDF needs no warming)."""
    # deferred: duplicate suggestions load scikit-learn; only warming needs them here
    from deliberation.selectors.similarity import comparable_claims, similarity_backend

    backend = similarity_backend()
    if not hasattr(backend, "embed"):
        return None
    texts = [claim.text for claim in comparable_claims(debate).values()]
    backend.embed(texts)
    return len(texts)
