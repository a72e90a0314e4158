"""Opinion analysis against red-dwarf 0.4.0, the Python reproduction of the
Pol.is pipeline that docs ANALYSIS.md takes as the reference.

Goal: at most 0.33x red-dwarf's time on the same votes, with the same groups
(adjusted Rand index near 1), on vTaiwan (1,921 x 197, Pol.is open data) and
on a synthetic 20,000 x 2,000 conversation with 1.2 million votes. Also
compares the two fits of the bridging model: alternating least squares (what
``analyse`` uses) and full-batch Adam, Community Notes' way.

Needs no database: the module is pure and only registered in bench/__main__.
red-dwarf and scikit-learn come with the dev extra; without them the
comparison rows say so.
"""

import statistics
import time
import warnings
from pathlib import Path

import numpy as np

from deliberation.analysis import bridging, opinion
from deliberation.analysis.matrix import build_vote_matrix
from deliberation.analysis.pipeline import analyse
from deliberation.formats.polis_csv import read_polis_export

GOAL = 0.33
POLIS_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "polis"
SYNTHETIC = {"n_participants": 20_000, "n_claims": 2_000, "n_votes": 1_200_000}


def synthetic_votes(
    n_participants: int,
    n_claims: int,
    n_votes: int,
    *,
    n_groups: int = 3,
    seed: int = 7,
) -> tuple[list[tuple[int, int, int]], np.ndarray]:
    """A Pol.is-like conversation: planted opinion groups (50/30/20 % for
    three) with their own agree rate per claim, 15 % passes, vote counts per
    participant from a log-normal (many light voters, a few heavy ones, some
    under the 7-vote threshold) and earlier claims seen more often. Returns
    the vote triples and each participant's planted group."""
    rng = np.random.default_rng(seed)
    shares = np.array([0.5, 0.3, 0.2][:n_groups])
    group = rng.choice(n_groups, size=n_participants, p=shares / shares.sum())
    base = rng.beta(2, 2, n_claims)
    agree_rate = np.clip(base + rng.normal(0, 0.3, (n_groups, n_claims)), 0.03, 0.97)
    activity = rng.lognormal(0, 1, n_participants)
    popularity = 1 / np.sqrt(np.arange(1, n_claims + 1))
    # Draw pairs with these weights, drop repeats, keep the first n_votes.
    draw = int(n_votes * 1.15)
    rows = rng.choice(n_participants, draw, p=activity / activity.sum())
    cols = rng.choice(n_claims, draw, p=popularity / popularity.sum())
    _, first = np.unique(rows.astype(np.int64) * n_claims + cols, return_index=True)
    first = np.sort(first)[:n_votes]
    rows, cols = rows[first], cols[first]
    agree = rng.random(len(rows)) < agree_rate[group[rows], cols]
    vote = np.where(agree, 1, -1)
    vote[rng.random(len(rows)) < 0.15] = 0
    triples = list(zip(rows.tolist(), cols.tolist(), vote.tolist(), strict=True))
    return triples, group


def _reddwarf():
    try:
        from reddwarf.implementations.polis import run_pipeline
        from sklearn.metrics import adjusted_rand_score
    except ImportError:
        return None, None
    return run_pipeline, adjusted_rand_score


def _timed(fn, runs: int) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def _compare(name, triples, moderated_out, *, runs_ours, runs_theirs, planted=None):
    run_pipeline, ari = _reddwarf()
    analyse(triples, moderated_out=moderated_out)  # warm-up (imports, caches)
    results = [analyse(triples, moderated_out=moderated_out) for _ in range(runs_ours)]
    ours = results[-1]
    ours_s = statistics.median(r.seconds for r in results)
    opinion_s = statistics.median(
        r.timings["matrix"] + r.timings["opinion"] for r in results
    )
    row = {
        "name": name,
        "shape": f"{len(ours.participants):,} x {len(ours.claims):,}",
        "votes": ours.n_votes,
        "ours_opinion": opinion_s,
        "ours_total": ours_s,
        "k": ours.k,
    }
    if planted is not None and ari is not None:
        group_of = {p: g for g, members in ours.groups.items() for p in members}
        row["ari_planted"] = ari(
            [planted[p] for p in ours.clustered],
            [group_of[p] for p in ours.clustered],
        )
    if run_pipeline is None:
        return row
    records = [
        {"participant_id": p, "statement_id": c, "vote": v, "modified": i}
        for i, (p, c, v) in enumerate(triples)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas 3 / pydantic noise in red-dwarf
        theirs_s, theirs = _timed(
            lambda: run_pipeline(
                votes=records,
                mod_out_statement_ids=list(moderated_out),
                random_state=42,
            ),
            runs_theirs,
        )
    frame = theirs.participants_df
    clustered_ids = list(frame.index[frame["to_cluster"]])
    group_of = {p: g for g, members in ours.groups.items() for p in members}
    if planted is not None:
        row["ari_planted_theirs"] = ari(
            [planted[p] for p in clustered_ids],
            frame.loc[clustered_ids, "cluster_id"].astype(int).tolist(),
        )
    row.update(
        theirs=theirs_s,
        theirs_k=int(frame["cluster_id"].nunique()),
        ari=ari(
            [group_of.get(p, -1) for p in clustered_ids],
            frame.loc[clustered_ids, "cluster_id"].astype(int).tolist(),
        ),
    )
    return row


#: The curve over sizes (issue 21): participants x claims, votes. Claims grow
#: with participants up to Pol.is's usual few thousand; 1,999 x 2,000 sits
#: just under the old dense-SVD limit (4,000,000 cells), where the full SVD
#: cost most.
CURVE = [
    (10, 10, 80),
    (100, 40, 2_000),
    (500, 100, 15_000),
    (1_999, 2_000, 200_000),
    (5_000, 1_000, 300_000),
    (20_000, 2_000, 1_200_000),
    (50_000, 1_000, 2_000_000),
]
CURVE_GOAL = 0.1


def _opinion_seconds(triples, runs: int) -> float:
    """Median time of the matrix plus the Pol.is pipeline (what red-dwarf's
    ``run_pipeline`` does), from the same triples."""
    analyse(triples)  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        opinion.opinion_groups(build_vote_matrix(triples))
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _curve_row(n, m, v, *, blas_threads):
    """One size: ours now, ours with the previous SVD rule (a full dense SVD
    below 4,000,000 cells), red-dwarf; ``blas_threads`` None = the default."""
    from threadpoolctl import threadpool_limits

    triples, _ = synthetic_votes(n, m, v, seed=n)
    runs = 3 if n <= 500 else 1  # medians of 3 where a run is short
    with threadpool_limits(limits=blas_threads):
        ours = _opinion_seconds(triples, runs)
        saved = opinion.DENSE_SVD_CELLS
        opinion.DENSE_SVD_CELLS = PREVIOUS_DENSE_SVD_CELLS
        try:
            previous = _opinion_seconds(triples, runs)
        finally:
            opinion.DENSE_SVD_CELLS = saved
        run_pipeline, _ = _reddwarf()
        theirs = None
        if run_pipeline is not None:
            records = [
                {"participant_id": p, "statement_id": c, "vote": x, "modified": i}
                for i, (p, c, x) in enumerate(triples)
            ]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs, _ = _timed(
                    lambda: run_pipeline(votes=records, random_state=42),
                    runs,
                )
    return ours, previous, theirs


PREVIOUS_DENSE_SVD_CELLS = 4_000_000


def curve() -> str:
    """The time curve over sizes, with one BLAS thread and with the default."""
    lines = [
        "### Over sizes, one BLAS thread and the default (issue 21)",
        "",
        f"Goal: at most {CURVE_GOAL}x red-dwarf's time at every size. Synthetic "
        "conversations as above (three planted groups, log-normal activity); "
        'time of the matrix plus the Pol.is pipeline. "previous" is the same '
        "code with the previous SVD rule: a full dense SVD below 4,000,000 cells "
        "(now only the two components, by ARPACK, above 20,000 cells). One BLAS "
        "thread: `threadpoolctl.threadpool_limits(1)` around both pipelines.",
        "",
        "| participants x claims (votes) | BLAS threads | ours | previous "
        "| red-dwarf | ours / red-dwarf | previous / red-dwarf | goal |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for n, m, v in CURVE:
        for threads in (1, None):
            ours, previous, theirs = _curve_row(n, m, v, blas_threads=threads)
            ratio = ours / theirs if theirs else None
            lines.append(
                f"| {n:,} x {m:,} ({v:,}) | {threads or 'default'} | "
                f"{ours:.3f} s | {previous:.3f} s | "
                + (
                    f"{theirs:.3f} s | {ratio:.3f}x | {previous / theirs:.3f}x | "
                    + ("met" if ratio <= CURVE_GOAL else "not met")
                    if theirs
                    else "— | — | — | —"
                )
                + " |"
            )
    return "\n".join(lines)


def _bridging_row(name, triples, moderated_out):
    from scipy.stats import spearmanr

    ratings = bridging.Ratings.from_matrix(
        build_vote_matrix(triples, moderated_out=moderated_out)
    )
    als_s, als = _timed(lambda: bridging.fit_als(ratings), 1)
    adam_s, adam = _timed(lambda: bridging.fit_gradient(ratings), 1)
    rated = als.claim_ratings > 0
    rho = spearmanr(als.claim_intercept[rated], adam.claim_intercept[rated])
    return (
        f"| {name} | {len(ratings.values):,} | {als_s:.2f} s ({als.iterations} sweeps, "
        f"loss {als.loss:.5f}) | {adam_s:.2f} s ({adam.iterations} steps, "
        f"loss {adam.loss:.5f}) | {adam_s / als_s:.1f}x | "
        f"{rho.statistic:.4f} |"
    )


def run() -> str:
    rows, bridging_rows, notes = [], [], []
    vtaiwan = POLIS_DATA / "vtaiwan.uberx"
    if vtaiwan.is_dir():
        export = read_polis_export(vtaiwan)
        triples, moderated = export.vote_triples(), export.moderated_out
        rows.append(
            _compare("vTaiwan uberx", triples, moderated, runs_ours=5, runs_theirs=3)
        )
        bridging_rows.append(_bridging_row("vTaiwan uberx", triples, moderated))
    else:
        notes.append(f"vTaiwan data not found at {vtaiwan}: row left out.")
    triples, planted = synthetic_votes(**SYNTHETIC)
    rows.append(
        _compare(
            "synthetic",
            triples,
            [],
            runs_ours=3,
            runs_theirs=1,
            planted=planted,
        )
    )
    bridging_rows.append(_bridging_row("synthetic", triples, []))
    if _reddwarf()[0] is None:
        notes.append("red-dwarf is not installed (dev extra): no comparison.")

    lines = [
        "## Opinion analysis vs red-dwarf (`bench/analysis.py`)",
        "",
        f"Goal: at most {GOAL}x red-dwarf 0.4.0's time on the same votes, same "
        "groups. Ours = building the sparse matrix plus the Pol.is pipeline "
        "(PCA, projection, k-means k = 2..5 by silhouette, repness, consensus, "
        "group-informed consensus), the work red-dwarf's `run_pipeline` does; "
        "`analyse` in all adds the bridging fit. ARI = adjusted Rand index of "
        "the groups over the clustered participants. Synthetic: "
        f"{SYNTHETIC['n_participants']:,} x {SYNTHETIC['n_claims']:,}, "
        f"{SYNTHETIC['n_votes']:,} votes, three planted groups that overlap "
        "(most participants vote on a few dozen of the 2,000 claims), so neither "
        "pipeline recovers them fully; the last column shows both do equally.",
        "",
        "| conversation | matrix (votes) | ours | red-dwarf | ratio | goal | ARI "
        "| k (ours / red-dwarf) | `analyse` in all | ARI vs planted (ours / "
        "red-dwarf) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        theirs = row.get("theirs")
        ratio = row["ours_opinion"] / theirs if theirs else None
        lines.append(
            f"| {row['name']} | {row['shape']} ({row['votes']:,}) | "
            f"{row['ours_opinion']:.2f} s | "
            + (f"{theirs:.2f} s | {ratio:.3f}x | " if theirs else "— | — | ")
            + ("—" if ratio is None else "met" if ratio <= GOAL else "not met")
            + " | "
            + (f"{row['ari']:.3f}" if "ari" in row else "—")
            + f" | {row['k']} / {row.get('theirs_k', '—')} | "
            f"{row['ours_total']:.2f} s | "
            + (
                f"{row['ari_planted']:.3f} / "
                + (
                    f"{row['ari_planted_theirs']:.3f}"
                    if "ari_planted_theirs" in row
                    else "—"
                )
                if "ari_planted" in row
                else "—"
            )
            + " |"
        )
    lines += [
        "",
        "Bridging (Community Notes' model, λ_i = 0.15, λ_f = 0.03): the two fits "
        "of the same loss from the same start; Spearman of the claim intercepts.",
        "",
        "| conversation | decided votes | ALS | Adam (full batch, lr 1.0) "
        "| Adam / ALS | Spearman |",
        "| --- | --- | --- | --- | --- | --- |",
        *bridging_rows,
    ]
    lines += ["", curve()]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)
