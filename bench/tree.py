"""Debate page time for a 10,000-claim debate relative to a 100-claim one.

Goal: at most 2x, because the page reads a bounded slice of the tree (one
level of children, the path to the thesis, an outline of the top levels)."""

import statistics
import time

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims.formats.document import DebateDocument, DocClaim
from claims.services import document_import
from deliberation.services import debate_create

GOAL = 2.0
RUNS = 25


def build(size: int, branching: int = 8):
    debate = debate_create(owner=None, question=f"Benchmark debate of {size} claims")
    root = DocClaim(key="0", text="Thesis")
    queue, made = [root], 1
    while made < size:
        parent = queue.pop(0)
        for _ in range(min(branching, size - made)):
            child = DocClaim(
                key=str(made),
                text=f"Claim {made} " + "words " * 12,
                stance="pro" if made % 2 else "con",
            )
            parent.children.append(child)
            queue.append(child)
            made += 1
    claims = document_import(
        debate=debate, document=DebateDocument(question=debate.question, theses=[root])
    )
    deepest = max(claims, key=lambda c: c.depth)
    return debate, deepest


def timed(client, url) -> tuple[float, int]:
    client.get(url)  # warm-up
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(samples) * 1000, len(queries)


def run() -> str:
    client = Client()
    user = get_user_model().objects.create_user("bench-reader", password="x")
    client.force_login(user)
    rows, ratios = [], []
    results = {}
    for size in (100, 10_000):
        debate, deepest = build(size)
        results[size] = {
            "thesis page": timed(client, f"/d/{debate.slug}/"),
            "deepest claim page": timed(
                client, f"/d/{debate.slug}/claims/{deepest.pk}/"
            ),
        }
    for page in ("thesis page", "deepest claim page"):
        small_ms, small_q = results[100][page]
        large_ms, large_q = results[10_000][page]
        ratio = large_ms / small_ms
        ratios.append(ratio)
        rows.append(
            f"| {page} | {small_ms:.1f} ms ({small_q} queries) | "
            f"{large_ms:.1f} ms ({large_q} queries) | {ratio:.2f}x | "
            f"{'met' if ratio <= GOAL else 'MISSED'} |"
        )
    return (
        "## Argument map page (`bench/tree.py`)\n\n"
        f"Median of {RUNS} requests through Django's test client, signed in, after a "
        "warm-up; trees of branching factor 8.\n\n"
        "| page | 100 claims | 10,000 claims | ratio | goal ≤ 2x |\n"
        "|---|---|---|---|---|\n" + "\n".join(rows)
    )
