"""One call for the whole analysis of a debate's votes: :func:`analyse`.

The Django side collects ``(participant_id, claim_id, vote)`` triples and the
moderated-out claim ids, calls :func:`analyse` (in a task), and stores
``result.as_dict()`` as a snapshot. Ids are kept as given (ints, UUIDs,
strings), so the snapshot refers to the debate's own participants and
claims. Pure: no Django here.
"""

import time
from collections.abc import Hashable, Iterable
from dataclasses import asdict, dataclass, field

import numpy as np

from deliberation.analysis import bridging, opinion
from deliberation.analysis.matrix import VoteMatrix, build_vote_matrix

SNAPSHOT_VERSION = 1


@dataclass(frozen=True)
class ClaimBridging:
    """A claim in the bridging model: ``intercept`` is agreement the main
    axis of division does not explain, ``factor`` its place on that axis,
    ``ratings`` its decided votes."""

    intercept: float
    factor: float
    ratings: int


@dataclass
class AnalysisResult:
    """What :func:`analyse` finds. Mappings are keyed by the original ids;
    groups are numbered 0..k-1."""

    participants: list
    claims: list
    moderated_out: list
    n_votes: int
    clustered: list
    groups: dict[int, list]
    min_group_size: int
    large_groups: int  # groups 0 .. large_groups-1 have min_group_size members
    mode: str  # "direct" or "polis"
    k_smoothing: dict | None  # Pol.is mode: the k smoother for the next run
    silhouettes: dict[int, float]
    projections: dict  # participant id -> (x, y)
    claim_projections: dict  # claim id -> (x, y)
    extremity: dict  # claim id -> float
    claim_votes: dict  # claim id -> (agrees, disagrees, votes), everyone's
    repness: dict[int, list[opinion.RepnessEntry]]
    consensus: dict[str, list[opinion.ConsensusEntry]]
    gac: dict  # claim id -> group-informed consensus (agree)
    gac_disagree: dict  # claim id -> the same for disagreement
    bridging: dict  # claim id -> ClaimBridging (claims with decided votes)
    bridging_mu: float
    common_ground: list  # claim ids, highest intercept first
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def k(self) -> int:
        return len(self.groups)

    def as_dict(self) -> dict:
        """JSON-serialisable snapshot (``json.dumps(..., allow_nan=False)``
        works when the ids are ints or strings). Records are lists rather
        than objects keyed by id, so ids keep their type through JSON."""
        group_of = {pid: gid for gid, members in self.groups.items() for pid in members}
        return {
            "version": SNAPSHOT_VERSION,
            "participants": len(self.participants),
            "claims": len(self.claims),
            "votes": self.n_votes,
            "moderated_out": list(self.moderated_out),
            "clustered": list(self.clustered),
            "k": self.k,
            "min_group_size": self.min_group_size,
            "mode": self.mode,
            "k_smoothing": self.k_smoothing,
            "large_groups": self.large_groups,
            "silhouettes": [
                {"k": k, "score": float(s)} for k, s in self.silhouettes.items()
            ],
            "groups": [
                {"id": gid, "members": list(members)}
                for gid, members in self.groups.items()
            ],
            "participant_projections": [
                {
                    "participant": pid,
                    "x": float(x),
                    "y": float(y),
                    "group": group_of.get(pid),
                }
                for pid, (x, y) in self.projections.items()
            ],
            "claim_stats": [
                {
                    "claim": cid,
                    "x": float(self.claim_projections[cid][0]),
                    "y": float(self.claim_projections[cid][1]),
                    "extremity": float(self.extremity[cid]),
                    "agree": self.claim_votes[cid][0],
                    "disagree": self.claim_votes[cid][1],
                    "votes": self.claim_votes[cid][2],
                    "gac": float(self.gac[cid]),
                    "gac_disagree": float(self.gac_disagree[cid]),
                    **(
                        asdict(self.bridging[cid])
                        if cid in self.bridging
                        else {"intercept": None, "factor": None, "ratings": 0}
                    ),
                }
                for cid in self.claims
            ],
            "repness": [
                {"group": gid, "claims": [asdict(e) for e in entries]}
                for gid, entries in self.repness.items()
            ],
            "consensus": {
                direction: [asdict(e) for e in entries]
                for direction, entries in self.consensus.items()
            },
            "bridging": {
                "mu": float(self.bridging_mu),
                "lambda_i": bridging.LAMBDA_I,
                "lambda_f": bridging.LAMBDA_F,
                "min_intercept": bridging.COMMON_GROUND_MIN_INTERCEPT,
                "max_abs_factor": bridging.COMMON_GROUND_MAX_ABS_FACTOR,
                "min_ratings": bridging.COMMON_GROUND_MIN_RATINGS,
            },
            "common_ground": list(self.common_ground),
            "seconds": float(self.seconds),
            "timings": {name: float(s) for name, s in self.timings.items()},
        }


def _plain(value):
    """numpy scalars to Python ones (ids read back from numpy arrays)."""
    return value.item() if isinstance(value, np.generic) else value


@opinion.single_threaded_blas
def analyse(
    votes: Iterable[tuple[Hashable, Hashable, int]] | VoteMatrix,
    *,
    moderated_out: Iterable[Hashable] = (),
    keep_in: Iterable[Hashable] = (),
    random_state: int = 42,
    min_group_size: int = 1,
    mode: str = "direct",
    smoothing: dict | None = None,
) -> AnalysisResult:
    """Opinion groups, representative claims, consensus, group-informed
    consensus and bridging for ``(participant_id, claim_id, vote)`` triples
    (agree 1, disagree -1, pass 0; the last vote on a pair wins).
    ``moderated_out`` lists hidden claims: zeroed in the opinion space,
    never selected, left out of the bridging fit. ``keep_in`` lists
    participants to cluster whatever their vote count (Pol.is keeps anyone
    once clustered: pass the previous snapshot's ``clustered``).
    ``random_state`` seeds the
    sparse SVD's start vector and the bridging factors' start; the same input
    gives the same result. Groups under ``min_group_size`` members are
    numbered last (see ``opinion.opinion_groups``). ``mode``: ``"direct"``
    (participants clustered directly, as red-dwarf does: the default, it
    agrees better with Pol.is's own groups on the five conversations of
    docs/benchmarks.md) or ``"polis"`` (base clusters first, k smoothed
    across runs: pass the previous result's ``k_smoothing``)."""
    started = time.perf_counter()
    if isinstance(votes, VoteMatrix):
        matrix = votes
    else:
        matrix = build_vote_matrix(votes, moderated_out=moderated_out)
    built = time.perf_counter()
    groups = opinion.opinion_groups(
        matrix,
        random_state=random_state,
        keep_in=keep_in,
        min_group_size=min_group_size,
        mode=mode,
        smoothing=opinion.KSmoothing(**smoothing) if smoothing else None,
    )
    grouped = time.perf_counter()
    fit = bridging.fit_als(
        bridging.Ratings.from_matrix(matrix), random_state=random_state
    )
    fitted = time.perf_counter()

    pids = [_plain(p) for p in matrix.participant_ids]
    cids = [_plain(c) for c in matrix.claim_ids]
    return AnalysisResult(
        participants=pids,
        claims=cids,
        moderated_out=[cids[j] for j in np.flatnonzero(matrix.moderated)],
        n_votes=matrix.nnz,
        clustered=[pids[i] for i in np.flatnonzero(groups.in_conversation)],
        groups={
            g: [pids[i] for i in np.flatnonzero(groups.labels == g)]
            for g in range(groups.k)
        },
        min_group_size=min_group_size,
        large_groups=groups.large_groups,
        mode=mode,
        k_smoothing=asdict(groups.smoothing) if groups.smoothing else None,
        silhouettes=dict(groups.silhouettes),
        projections={
            pid: (float(x), float(y))
            for pid, (x, y) in zip(pids, groups.projections, strict=True)
        },
        claim_projections={
            cid: (float(x), float(y))
            for cid, (x, y) in zip(cids, groups.claim_projections, strict=True)
        },
        extremity=dict(zip(cids, groups.extremity.tolist(), strict=True)),
        repness=groups.repness,
        consensus=groups.consensus,
        claim_votes={
            cid: (int(a), int(d), int(n))
            for cid, a, d, n in zip(cids, *groups.claim_votes, strict=True)
        },
        gac=dict(zip(cids, groups.gac.tolist(), strict=True)),
        gac_disagree=dict(zip(cids, groups.gac_disagree.tolist(), strict=True)),
        bridging={
            cids[j]: ClaimBridging(
                intercept=float(fit.claim_intercept[j]),
                factor=float(fit.claim_factor[j]),
                ratings=int(fit.claim_ratings[j]),
            )
            for j in np.flatnonzero(fit.claim_ratings > 0)
        },
        bridging_mu=fit.mu,
        common_ground=[cids[j] for j in fit.common_ground()],
        seconds=fitted - started,
        timings={
            "matrix": built - started,
            "opinion": grouped - built,
            "bridging": fitted - grouped,
        },
    )
