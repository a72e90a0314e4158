"""Who sees which claims, by tree size and role: ``claims_shown_to`` and the
API tree for an anonymous reader, a participant and a moderator.

Trees of 100 to 50,000 claims (branching factor 8) are written through the
project's import path (``document_import``); then a moderator hides a few
branches through the moderation service, a participant adds claims that wait
for approval (pre-moderation), and one link points into a hidden branch. Each
role is timed as itself: ``claims_shown_to(user, debate)`` read whole (claims
with their ``parent_id`` and ``thesis_rank``), and the first page of
``GET /api/v1/debates/{slug}/tree/`` through Django's test client.

Goals (issue 24): the API tree at 10,000 claims within 2x its time at 100, for
every role; an anonymous reader within 1.5x a moderator at every size."""

import statistics
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims.formats.document import DebateDocument, DocClaim
from claims.models import Claim
from claims.services import document_import
from deliberation import services
from deliberation.selectors import claims_shown_to

TITLE = "## Who sees which claims (`bench/visibility.py`)"
SIZES = (100, 1_000, 10_000, 50_000)
ROLES = ("anonymous", "participant", "moderator")
RUNS = 5
# One timing longer than this is not repeated, and a role whose time passed
# LONG at one size is not timed at the next (the old rule grew quadratically).
SLOW_SECONDS = 10.0
LONG_SECONDS = 20.0
TREE_GOAL = 2.0  # API tree: 10,000 claims / 100 claims
ROLE_GOAL = 1.5  # anonymous / moderator
PENDING = 5  # the participant's claims waiting for approval
# The rule this one replaced (a correlated NOT EXISTS per claim over the claims
# above it), run by this benchmark on the same trees and machine.
BEFORE = (
    "Before (commit 0ad8938, the correlated rule; same trees, same machine, "
    "2026-12-07): the API tree took 1.94 s / 75.4 s at 1,000 / 10,000 claims "
    "for an anonymous reader, 1.33 s / 115.6 s for the participant, 74 ms / "
    "262 ms for the moderator; `claims_shown_to` read whole at 10,000 claims "
    "36.7 s anonymous, 62.8 s participant, 3.66 s moderator; 50,000 claims were "
    "not run for the first two."
)


def build(size: int, owner, participant, branching: int = 8):
    """A debate of ``size`` claims with three hidden branches, PENDING pending
    claims of ``participant`` and a link into a hidden branch."""
    debate = services.debate_create(
        owner=owner, question=f"Visibility benchmark of {size} claims"
    )
    root = DocClaim(key="0", text="Thesis")
    queue, made, position = [root], 1, 0
    while made < size - 1:
        parent = queue[position]
        position += 1
        for _ in range(min(branching, size - 1 - made)):
            child = DocClaim(
                key=str(made),
                text=f"Claim {made} " + "words " * 12,
                stance="pro" if made % 2 else "con",
            )
            parent.children.append(child)
            queue.append(child)
            made += 1
    # A link under the thesis to a claim in a branch hidden below (the
    # children of claim k are 8k+1 .. 8k+8).
    root.children.append(DocClaim(key="link", stance="con", link_key="65"))
    document_import(
        debate=debate, document=DebateDocument(question=debate.question, theses=[root])
    )
    claims = {c.key: c for c in Claim.objects.filter(debate=debate)}
    # The last con of the thesis (the lightest of its branches: the tree is
    # filled breadth-first) and two claims a level further down.
    for key in ("8", "17", "41"):
        services.item_hide(user=owner, item=claims[key], reason="Benchmark")
    services.debate_update(user=owner, debate=debate, premoderation=True)
    for n in range(PENDING):
        parent = claims[str(2 + n)]  # visible pros and cons under the thesis
        services.claim_contribute(
            user=participant, parent=parent, stance="pro", text=f"Pending {n}"
        )
    return debate


def measure(debate, users: dict, clients: dict, skip: set) -> dict:
    """Each measurement as each role, the roles taking turns within every run
    (so drift on a shared machine hits them alike); medians of RUNS runs, or
    of fewer once a run took over SLOW_SECONDS."""
    url = f"/api/v1/debates/{debate.slug}/tree/"
    roles = [role for role in ROLES if role not in skip]

    def shown(role):
        return len(claims_shown_to(users[role], debate))

    def tree(role):
        response = clients[role].get(url)
        assert response.status_code == 200
        return response.json()["count"]

    rows = {role: None for role in ROLES}
    for role in roles:
        tree(role)  # warm-up: session, permissions
        rows[role] = {"shown_s": [], "tree_s": []}
    for name, fn in (("shown", shown), ("tree", tree)):
        for _ in range(RUNS):
            for role in roles:
                start = time.perf_counter()
                rows[role][name] = fn(role)
                rows[role][f"{name}_s"].append(time.perf_counter() - start)
            if max(rows[role][f"{name}_s"][-1] for role in roles) > SLOW_SECONDS:
                break
    for role in roles:
        row = rows[role]
        assert row["tree"] == row["shown"], (role, row)
        with CaptureQueriesContext(connection) as queries:
            tree(role)
        row["queries"] = len(queries)
        row["shown_s"] = statistics.median(row["shown_s"])
        row["tree_s"] = statistics.median(row["tree_s"])
    return rows


def _ms(seconds: float) -> str:
    if seconds >= 10:
        return f"{seconds:.1f} s"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def run() -> str:
    user_model = get_user_model()
    owner = user_model.objects.create_user("bench-visibility-owner", password="x")
    participant = user_model.objects.create_user("bench-visibility-member")
    users = {"anonymous": AnonymousUser(), "participant": participant}
    users["moderator"] = owner
    clients = {role: Client() for role in ROLES}
    clients["participant"].force_login(participant)
    clients["moderator"].force_login(owner)
    results, skip = {}, set()
    for size in SIZES:
        debate = build(size, owner, participant)
        results[size] = measure(debate, users, clients, skip)
        for role, row in results[size].items():
            if row and max(row["shown_s"], row["tree_s"]) > LONG_SECONDS:
                skip.add(role)
    return report(results)


def report(results: dict) -> str:
    lines = [
        "| claims | role | claims shown | `claims_shown_to`, all rows | "
        "API tree, first page (queries) | anonymous / moderator |",
        "|---|---|---|---|---|---|",
    ]
    for size, rows in results.items():
        moderator = rows.get("moderator")
        for role in ROLES:
            row = rows[role]
            if row is None:
                lines.append(f"| {size:,} | {role} | — | not run | not run | |")
                continue
            ratio = ""
            if role == "anonymous" and moderator:
                ratio = (
                    f"{row['shown_s'] / moderator['shown_s']:.2f}x / "
                    f"{row['tree_s'] / moderator['tree_s']:.2f}x"
                )
            lines.append(
                f"| {size:,} | {role} | {row['shown']:,} | {_ms(row['shown_s'])} | "
                f"{_ms(row['tree_s'])} ({row['queries']}) | {ratio} |"
            )
    verdicts = []
    small, large = results.get(100, {}), results.get(10_000, {})
    for role in ROLES:
        if small.get(role) and large.get(role):
            ratio = large[role]["tree_s"] / small[role]["tree_s"]
            met = "met" if ratio <= TREE_GOAL else "MISSED"
            verdicts.append(f"{role} {ratio:.2f}x ({met})")
    role_ratios = [
        rows["anonymous"]["tree_s"] / rows["moderator"]["tree_s"]
        for rows in results.values()
        if rows.get("anonymous") and rows.get("moderator")
    ]
    worst = max(role_ratios) if role_ratios else float("nan")
    return (
        f"{TITLE}\n\n"
        "Trees of branching factor 8 imported through `document_import`; a "
        "moderator then hides three branches (one under the thesis, two a level "
        f"below), a participant adds {PENDING} claims that wait for approval "
        "(pre-moderation) and one link points into a hidden branch. Each role is "
        f"timed as itself, the roles taking turns, median of {RUNS} runs (fewer "
        f"once a run took over {SLOW_SECONDS:.0f} s): `claims_shown_to` read "
        "whole (every claim with `parent_id` and `thesis_rank`), and the API "
        "tree's first page (50 claims and the count) through Django's test "
        "client after a warm-up request. "
        "The participant wrote the pending claims, so sees them too.\n\n"
        + "\n".join(lines)
        + "\n\n"
        + BEFORE
        + "\n\nAPI tree, 10,000 claims / 100 claims (goal ≤ "
        f"{TREE_GOAL:.0f}x): " + ("; ".join(verdicts) or "not measured") + ". "
        f"Anonymous / moderator, API tree, worst size: {worst:.2f}x (goal ≤ "
        f"{ROLE_GOAL}x: {'met' if worst <= ROLE_GOAL else 'MISSED'})."
    )
