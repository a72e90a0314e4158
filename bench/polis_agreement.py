"""How well the opinion groups agree with Pol.is's own (issue 21): the
adjusted Rand index against the ``group-id`` of participants-votes.csv on the
five conversations in shared/data/polis, for both modes of ``analyse`` and
for red-dwarf 0.4.0. Needs no database."""

import warnings

from bench.analysis import POLIS_DATA, _reddwarf
from deliberation.analysis.pipeline import analyse
from deliberation.formats.polis_csv import read_polis_export

CONVERSATIONS = [
    "london.youth.policing",
    "brexit-consensus",
    "15-per-hour-seattle",
    "scoop-hivemind.biodiversity",
    "vtaiwan.uberx",
]


def _ari_vs_polis(group_of: dict, polis: dict, ari) -> float:
    both = [p for p in group_of if p in polis]
    return ari([group_of[p] for p in both], [polis[p] for p in both])


def run() -> str:
    run_pipeline, ari = _reddwarf()
    lines = [
        "## Agreement with Pol.is's own groups (`bench/polis_agreement.py`)",
        "",
        "Adjusted Rand index against Pol.is's `group-id` (participants-votes.csv), "
        "over the participants both grouped. *direct*: participants clustered "
        "directly, k by silhouette (the default); *polis*: 100 base clusters "
        "first, then groups of them weighted by size (one run, so no k smoothing "
        "history). k in brackets.",
        "",
        "| conversation | direct | polis | red-dwarf 0.4.0 | Pol.is k |",
        "| --- | --- | --- | --- | --- |",
    ]
    if ari is None:
        return "\n".join([*lines, "", "scikit-learn is not installed: no ARI."])
    sums = {"direct": 0.0, "polis": 0.0, "red-dwarf": 0.0}
    for name in CONVERSATIONS:
        folder = POLIS_DATA / name
        if not folder.is_dir():
            lines.append(f"| {name} | — | — | — | data not found |")
            continue
        export = read_polis_export(folder)
        cells = []
        for mode in ("direct", "polis"):
            result = analyse(
                export.vote_triples(), moderated_out=export.moderated_out, mode=mode
            )
            group_of = {p: g for g, ms in result.groups.items() for p in ms}
            score = _ari_vs_polis(group_of, export.group_ids, ari)
            sums[mode] += score
            cells.append(f"{score:.3f} ({result.k})")
        if run_pipeline is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs = run_pipeline(
                    votes=[
                        {
                            "participant_id": v.participant,
                            "statement_id": v.comment,
                            "vote": v.vote,
                            "modified": v.timestamp,
                        }
                        for v in export.votes
                    ],
                    mod_out_statement_ids=export.moderated_out,
                    random_state=42,
                )
            frame = theirs.participants_df
            frame = frame[frame["to_cluster"]]
            group_of = {p: int(g) for p, g in frame["cluster_id"].items()}
            score = _ari_vs_polis(group_of, export.group_ids, ari)
            sums["red-dwarf"] += score
            cells.append(f"{score:.3f} ({len(set(group_of.values()))})")
        else:
            cells.append("—")
        polis_k = len(set(export.group_ids.values()))
        lines.append(f"| {name} | {' | '.join(cells)} | {polis_k} |")
    n = len(CONVERSATIONS)
    lines.append(
        f"| **mean** | {sums['direct'] / n:.3f} | {sums['polis'] / n:.3f} | "
        + (f"{sums['red-dwarf'] / n:.3f}" if run_pipeline else "—")
        + " | |"
    )
    return "\n".join(lines)
