"""An opinion analysis as a person may see it.

A group of fewer than ``settings.MIN_GROUP_SIZE`` people is shown to
moderators only: in a class of six, a "group" of one is one pupil's votes.
For everyone else such a group does not exist: its members are drawn as not
grouped, its representative claims and its tallies are left out, and the
"others" a shown group is compared with are the other shown groups only (so
a hidden group's votes cannot be had by subtraction either).
"""

from collections import Counter

from django.conf import settings

from deliberation.rules import may_moderate


def hidden_groups(viewer, debate, result: dict) -> set[int]:
    """Ids of the snapshot's groups ``viewer`` may not see."""
    if may_moderate(viewer, debate):
        return set()
    return {
        g["id"]
        for g in result.get("groups", [])
        if len(g["members"]) < settings.MIN_GROUP_SIZE
    }


def _group_stats_among(rows: list[dict], shown: set[int]) -> list[dict]:
    """Per group and claim, votes inside the group and among the members of
    the other *shown* groups."""
    kept = [r for r in rows if r["group"] in shown]
    totals: dict = {}
    for row in kept:
        totals.setdefault(row["claim"], Counter()).update(row["inside"])
    return [
        {**row, "outside": dict(totals[row["claim"]] - Counter(row["inside"]))}
        for row in kept
    ]


def analysis_shown_to(viewer, debate, result: dict) -> dict:
    """The stored result (``Snapshot.result``) with what ``viewer`` may not see
    left out; ``hidden_groups`` says how many groups were left out."""
    hidden = hidden_groups(viewer, debate, result)
    if not hidden:
        return {**result, "hidden_groups": 0}
    groups = [g for g in result.get("groups", []) if g["id"] not in hidden]
    shown = {g["id"] for g in groups}
    return {
        **result,
        "k": len(groups),
        "groups": groups,
        "hidden_groups": len(hidden),
        "participant_projections": [
            {**p, "group": None} if p["group"] in hidden else p
            for p in result.get("participant_projections", [])
        ],
        "repness": [r for r in result.get("repness", []) if r["group"] in shown],
        "group_stats": _group_stats_among(result.get("group_stats", []), shown),
    }


def may_see_group(viewer, debate, members: list) -> bool:
    """Whether ``viewer`` may see a group of these members (its tallies)."""
    return len(members) >= settings.MIN_GROUP_SIZE or may_moderate(viewer, debate)


def divided_claims(claim_stats: list[dict]) -> list[dict]:
    """Claims people took opposite sides on (at least one agree and one
    disagree), most divisive (extreme) first. Snapshots from before the
    counts were stored fall back to a non-zero extremity."""
    rows = [
        s
        for s in claim_stats
        if (
            s["agree"] > 0 and s["disagree"] > 0
            if "disagree" in s
            else s["extremity"] > 1e-9
        )
    ]
    return sorted(rows, key=lambda s: -s["extremity"])
