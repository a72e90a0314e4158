"""The opinion analysis page: groups on a map, what each group stands for,
consensus and common ground. Built from the latest finished Snapshot; hidden
claims are never shown."""

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from deliberation.models import Snapshot
from deliberation.selectors import claims_shown_to
from deliberation.services.analysis import (
    analysis_start,
    latest_snapshot,
    participant_labels,
)
from deliberation.views.debates import _debate_or_404

# Colour and shape per group: the map never relies on colour alone.
MARKS = [
    ("#1f77b4", "circle"),
    ("#d95f02", "square"),
    ("#1b9e77", "triangle"),
    ("#7570b3", "diamond"),
    ("#a6761d", "cross"),
]
SIZE, PAD = 400, 20


def _shape(kind: str, x: float, y: float, r: float = 4.0) -> tuple[str, str]:
    """(element, attributes) of one marker."""
    if kind == "circle":
        return "circle", f'cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"'
    if kind == "square":
        return "rect", (
            f'x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}"'
        )
    if kind == "triangle":
        pts = f"{x:.1f},{y - r:.1f} {x - r:.1f},{y + r:.1f} {x + r:.1f},{y + r:.1f}"
    elif kind == "diamond":
        corners = [(0, -r), (r, 0), (0, r), (-r, 0)]
        pts = " ".join(f"{x + a:.1f},{y + b:.1f}" for a, b in corners)
    else:  # cross
        d = r / 3
        pts = " ".join(
            f"{x + a:.1f},{y + b:.1f}"
            for a, b in [
                (-d, -r), (d, -r), (d, -d), (r, -d), (r, d), (d, d),
                (d, r), (-d, r), (-d, d), (-r, d), (-r, -d), (-d, -d),
            ]
        )  # fmt: skip
    return "polygon", f'points="{pts}"'


def _points(projections: list[dict]) -> list[dict]:
    xs = [p["x"] for p in projections] or [0.0]
    ys = [p["y"] for p in projections] or [0.0]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    scale = (SIZE - 2 * PAD) / span
    points = []
    for p in projections:
        x = PAD + (p["x"] - min(xs)) * scale
        y = PAD + (p["y"] - min(ys)) * scale
        if p["group"] is None:
            element, attrs = "circle", f'cx="{x:.1f}" cy="{y:.1f}" r="2.0"'
            colour = "#999999"
        else:
            colour, kind = MARKS[p["group"] % len(MARKS)]
            element, attrs = _shape(kind, x, y)
        points.append({"element": element, "attrs": attrs, "fill": colour})
    return points


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def analysis_context(debate, snapshot: Snapshot) -> dict:
    data = snapshot.result
    texts = dict(
        claims_shown_to(AnonymousUser(), debate).values_list("pk", "text")
    )  # visible claims under visible claims only
    stats = {row["claim"]: row for row in data.get("claim_stats", [])}
    by_pair = {(r["group"], r["claim"]): r for r in data.get("group_stats", [])}
    labels = participant_labels(debate)

    groups = []
    for group in data.get("groups", []):
        gid = group["id"]
        colour, kind = MARKS[gid % len(MARKS)]
        repness = next(
            (r["claims"] for r in data.get("repness", []) if r["group"] == gid), []
        )
        rows = []
        for entry in repness:
            if entry["claim"] not in texts:
                continue
            pair = by_pair.get((gid, entry["claim"]), {})
            inside, outside = pair.get("inside", {}), pair.get("outside", {})
            key = "agree" if entry["direction"] == "agree" else "disagree"
            rows.append(
                {
                    "claim": entry["claim"],
                    "text": texts[entry["claim"]],
                    "direction": entry["direction"],
                    "inside": _percent(inside.get(key, 0), inside.get("votes", 0)),
                    "outside": _percent(outside.get(key, 0), outside.get("votes", 0)),
                }
            )
        groups.append(
            {
                "id": gid,
                "number": gid + 1,
                "size": len(group["members"]),
                "colour": colour,
                "shape": kind,
                "marker": _shape(kind, 10, 10, 7),
                "members": [labels.get(m, m) for m in group["members"][:50]],
                "repness": rows,
            }
        )

    def listed(ids, limit=5):
        return [
            {"claim": c, "text": texts[c], "stats": stats.get(c, {})}
            for c in ids
            if c in texts
        ][:limit]

    consensus = {
        direction: [
            {**e, "text": texts[e["claim"]], "percent": round(100 * e["p_success"])}
            for e in entries
            if e["claim"] in texts
        ]
        for direction, entries in data.get("consensus", {}).items()
    }
    divisive = sorted(
        (s for s in stats.values() if s["claim"] in texts),
        key=lambda s: -s["extremity"],
    )
    projections = data.get("participant_projections", [])
    return {
        "groups": groups,
        "points": _points(projections),
        "size": SIZE,
        "unclustered": sum(1 for p in projections if p["group"] is None),
        "consensus_agree": consensus.get("agree", []),
        "consensus_disagree": consensus.get("disagree", []),
        "common_ground": listed(data.get("common_ground", [])),
        "divisive": listed([s["claim"] for s in divisive]),
        "result": data,
    }


def analysis(request, slug):
    debate = _debate_or_404(request, slug)
    latest = latest_snapshot(debate)
    done = (
        latest
        if latest is not None and latest.status == Snapshot.Status.DONE
        else latest_snapshot(debate, done=True)
    )
    context = {
        "debate": debate,
        "latest": latest,
        "snapshot": done,
        "in_progress": latest is not None
        and latest.status in (Snapshot.Status.QUEUED, Snapshot.Status.RUNNING),
        "can_run": request.user.has_perm("deliberation.moderate_debate", debate),
    }
    if done is not None:
        context.update(analysis_context(debate, done))
    return render(request, "deliberation/analysis.html", context)


@require_POST
def analysis_run(request, slug):
    debate = _debate_or_404(request, slug)
    if not request.user.has_perm("deliberation.moderate_debate", debate):
        raise PermissionDenied("Only facilitators and moderators may run the analysis.")
    analysis_start(debate=debate)
    messages.success(request, "The analysis is queued; this page follows its progress.")
    return redirect("debate_analysis", slug=debate.slug)
