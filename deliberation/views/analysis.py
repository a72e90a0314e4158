"""The opinion analysis page: groups on a map, what each group stands for,
consensus and common ground. Built from the latest finished Snapshot; hidden
claims are never shown."""

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from deliberation.analysis.sides import compare_with_sides
from deliberation.models import Snapshot
from deliberation.rules import may_moderate
from deliberation.selectors import claims_shown_to
from deliberation.selectors.analysis import analysis_shown_to, divided_claims
from deliberation.selectors.classroom import member_sides
from deliberation.selectors.debates import debate_for
from deliberation.services.analysis import (
    analysis_start,
    latest_snapshot,
    participant_labels,
)
from deliberation.services.common import check_moderator

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


MAP_CLAIMS = 30  # the most extreme visible claims are placed on the map
CLAIM_COLOUR = "#222222"


def _star(x: float, y: float, r: float = 6.0) -> str:
    """Points of a five-pointed star: claims are stars, never a group's shape."""
    corners = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.45
        angle = math.pi / 2 + i * math.pi / 5
        corners.append(
            f"{x + radius * math.cos(angle):.1f},{y - radius * math.sin(angle):.1f}"
        )
    return " ".join(corners)


def claims_on_map(
    claim_stats: list[dict], texts: dict, projections: list[dict]
) -> list[dict]:
    """The ``MAP_CLAIMS`` most extreme visible claims, labelled C1, C2, ... in
    that order, at their projection (a virtual participant who agreed with
    the claim only) scaled as Pol.is draws its comments: by one factor that
    puts the farthest of them at the edge of the participant cloud, so
    directions and relative distances are kept."""
    shown = sorted(  # stable: equal extremity keeps the snapshot's order
        (s for s in claim_stats if s["claim"] in texts),
        key=lambda s: -round(s["extremity"], 9),  # float noise is no difference
    )[:MAP_CLAIMS]
    reach = max((math.hypot(p["x"], p["y"]) for p in projections), default=0.0)
    farthest = max((math.hypot(s["x"], s["y"]) for s in shown), default=0.0)
    scale = reach / farthest if reach and farthest else 1.0
    return [
        {
            "claim": s["claim"],
            "label": f"C{n}",
            "text": texts[s["claim"]],
            "x": s["x"] * scale,
            "y": s["y"] * scale,
        }
        for n, s in enumerate(shown, 1)
    ]


def _frame(xys: list[tuple[float, float]]):
    """Map coordinates to the SVG square (one scale for both axes)."""
    xs = [x for x, _ in xys] or [0.0]
    ys = [y for _, y in xys] or [0.0]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    scale = (SIZE - 2 * PAD) / span
    left, top = min(xs), min(ys)
    return lambda x, y: (PAD + (x - left) * scale, PAD + (y - top) * scale)


def _points(
    projections: list[dict], claims: list[dict] = ()
) -> tuple[list[dict], list[dict]]:
    """SVG marks of the participants, and of the claims: claims that land
    within a few pixels of each other share one star and one label
    ("C2, C5"), so no label hides another."""
    place = _frame([(p["x"], p["y"]) for p in [*projections, *claims]])
    points = []
    for p in projections:
        x, y = place(p["x"], p["y"])
        if p["group"] is None:
            element, attrs = "circle", f'cx="{x:.1f}" cy="{y:.1f}" r="2.0"'
            colour = "#999999"
        else:
            colour, kind = MARKS[p["group"] % len(MARKS)]
            element, attrs = _shape(kind, x, y)
        points.append({"element": element, "attrs": attrs, "fill": colour})
    stars: list[dict] = []
    for c in claims:
        x, y = place(c["x"], c["y"])
        near = next((s for s in stars if math.hypot(s["x"] - x, s["y"] - y) < 6), None)
        if near is not None:
            near["labels"].append(c["label"])
            continue
        right = x < SIZE - 60  # the label goes left of a star near the right edge
        stars.append(
            {
                "x": x,
                "y": y,
                "points": _star(x, y),
                "labels": [c["label"]],
                "label_x": f"{x + 8:.1f}" if right else f"{x - 8:.1f}",
                "label_y": f"{y + 4:.1f}",
                "anchor": "start" if right else "end",
            }
        )
    for star in stars:
        star["label"] = ", ".join(star["labels"])
    return points, stars


def _nearest_group(claim: dict, projections: list[dict]) -> int | None:
    """The group whose members' centre is nearest the claim's place."""
    sums: dict[int, list[float]] = {}
    for p in projections:
        if p["group"] is not None:
            acc = sums.setdefault(p["group"], [0.0, 0.0, 0])
            acc[0] += p["x"]
            acc[1] += p["y"]
            acc[2] += 1
    best = min(
        sums.items(),
        key=lambda kv: math.hypot(
            kv[1][0] / kv[1][2] - claim["x"], kv[1][1] / kv[1][2] - claim["y"]
        ),
        default=None,
    )
    return None if best is None else best[0] + 1


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _with_percents(row: dict) -> dict:
    """A listed claim with its agree and disagree shares of all its votes."""
    stats = row["stats"]
    votes = stats.get("votes", 0)
    return {
        **row,
        "votes": votes,
        "agree_percent": _percent(stats.get("agree", 0), votes),
        "disagree_percent": _percent(stats.get("disagree", 0), votes),
    }


def sides_context(debate, data: dict) -> dict:
    """Classroom debates: opinion groups against the sides members were given."""
    if debate.mode != debate.Mode.CLASSROOM:
        return {}
    side_of = member_sides(debate)
    if not side_of:
        return {}
    group_of = {m: g["id"] for g in data.get("groups", []) for m in g["members"]}
    comparison = compare_with_sides(group_of, side_of)
    if not comparison.compared:
        return {}
    return {
        "sides": {
            "names": comparison.sides,
            "rows": [
                {
                    "number": g + 1,
                    "counts": [comparison.count(g, s) for s in comparison.sides],
                }
                for g in comparison.groups
            ],
            "compared": comparison.compared,
            "with_their_side": comparison.with_their_side,
            "ari": comparison.ari,
            "ungrouped": sum(1 for m in side_of if m not in group_of),
        }
    }


def analysis_context(debate, snapshot: Snapshot, viewer) -> dict:
    """What the page (and the report) shows ``viewer`` of a finished run:
    groups too small to show are left out (``analysis_shown_to``)."""
    data = analysis_shown_to(viewer, debate, snapshot.result)
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
    meta = data.get("meta", [])
    divided = [
        s
        for s in divided_claims(list(stats.values()))
        if s["claim"] in texts and s["claim"] not in meta
    ]
    projections = data.get("participant_projections", [])
    positions = {c: t for c, t in texts.items() if c not in meta}  # no axis
    mapped = claims_on_map(data.get("claim_stats", []), positions, projections)
    points, stars = _points(projections, mapped)
    for claim in mapped:
        claim["nearest_group"] = _nearest_group(claim, projections)
    return {
        "groups": groups,
        "points": points,
        "map_claims": mapped,
        "claim_stars": stars,
        "size": SIZE,
        "unclustered": sum(1 for p in projections if p["group"] is None),
        "consensus_agree": consensus.get("agree", []),
        "consensus_disagree": consensus.get("disagree", []),
        "common_ground": listed(data.get("common_ground", [])),
        # Meta claims: about the debate itself, kept out of the groups.
        "meta_claims": [_with_percents(row) for row in listed(meta, limit=None)],
        "divisive": listed([s["claim"] for s in divided]),
        # Plain statements instead of empty or one-sided tables.
        "one_group": data.get("k", 0) <= 1,
        "no_disagreement": not divided,
        "hidden_groups": data["hidden_groups"],
        "min_group_size": settings.MIN_GROUP_SIZE,
        "result": data,
        **sides_context(debate, data),
    }


def analysis(request, slug):
    debate = debate_for(request.user, slug)
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
        "can_run": may_moderate(request.user, debate),
    }
    if done is not None:
        context.update(analysis_context(debate, done, request.user))
    return render(request, "deliberation/analysis.html", context)


@require_POST
def analysis_run(request, slug):
    debate = debate_for(request.user, slug)
    check_moderator(
        request.user, debate, "Only facilitators and moderators may run the analysis."
    )
    analysis_start(debate=debate)
    messages.success(request, "The analysis is queued; this page follows its progress.")
    return redirect("debate_analysis", slug=debate.slug)
