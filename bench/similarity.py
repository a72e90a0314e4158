"""Likely-duplicate pairs and draft suggestions on a 2,000-claim debate.

Goal: the moderators' duplicates page answers within 1 s at 2,000 claims
(TF-IDF backend), because pairs come from a blocked sparse top-k rather than
a loop over the two million pairs; the pure pair search is compared with
that loop on the same vectors. The synthetic sentences share a small
vocabulary, so thousands of pairs pass the threshold: a harder case than a
real debate."""

import random
import statistics
import time

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims.formats.document import DebateDocument, DocClaim
from claims.services import document_import
from deliberation.analysis.similarity import TfidfBackend, duplicate_pairs
from deliberation.services import debate_create

SIZE = 2_000
PLANTED = 100
GOAL_SECONDS = 1.0
RUNS = 5

SUBJECTS = [
    "cameras",
    "facial recognition",
    "phone data",
    "licence plate readers",
    "body cameras",
    "drones",
    "data brokers",
    "smart meters",
    "location tracking",
    "school monitoring",
    "border checks",
    "health records",
    "cloud storage",
    "encryption",
    "predictive policing",
]
VERBS = [
    "reduce",
    "increase",
    "threaten",
    "protect",
    "undermine",
    "improve",
    "weaken",
    "expose",
    "strengthen",
    "distort",
]
OBJECTS = [
    "crime in city centres",
    "trust in the police",
    "the privacy of pupils",
    "the rights of migrants",
    "public safety at night",
    "freedom of the press",
    "the work of courts",
    "data held by councils",
    "the safety of children",
    "journalists' sources",
    "the cost of policing",
    "the powers of regulators",
]
QUALIFIERS = [
    "in practice",
    "over time",
    "for minorities",
    "in small towns",
    "without oversight",
    "when audited",
    "in most studies",
    "after five years",
    "under current law",
    "for the poorest",
    "at scale",
    "in emergencies",
]


def texts(rng: random.Random) -> tuple[list[str], list[tuple[int, int]]]:
    """SIZE claim texts; the last PLANTED rephrase earlier ones (the same
    sentence, framed), returned as index pairs."""
    out = []
    while len(out) < SIZE - PLANTED:
        text = (
            f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} "
            f"{rng.choice(OBJECTS)} {rng.choice(QUALIFIERS)}."
        )
        if text not in out:
            out.append(text)
    planted = []
    for _ in range(PLANTED):
        i = rng.randrange(len(out) - 1)
        out.append(f"Indeed {out[i].rstrip('.').lower()}, as many say.")
        planted.append((i, len(out) - 1))
    return out, planted


def loop_pairs(bodies: list[str], min_score: float) -> set[tuple[int, int]]:
    """The straightforward way: score every pair in a Python loop."""
    matrix = TfidfBackend().encode(bodies)[0].toarray()
    found = set()
    for i in range(len(bodies)):
        for j in range(i + 1, len(bodies)):
            if float(matrix[i] @ matrix[j]) >= min_score:
                found.add((i, j))
    return found


def median_seconds(call, runs=RUNS) -> float:
    call()  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run() -> str:
    rng = random.Random(3)
    bodies, planted = texts(rng)
    candidates = list(enumerate(bodies))
    backend = TfidfBackend()

    pure = median_seconds(lambda: duplicate_pairs(candidates, backend=backend))
    pairs = duplicate_pairs(candidates, backend=backend)
    found = {(a, b) for a, b, _ in pairs}
    recall = sum(1 for p in planted if p in found) / len(planted)
    start = time.perf_counter()
    every = loop_pairs(bodies, backend.duplicate_min_score)
    loop = time.perf_counter() - start
    agree = len(found & every) / len(every) if every else 1.0

    owner = get_user_model().objects.create_user("bench-moderator", password="x")
    debate = debate_create(owner=owner, question="Benchmark debate for duplicates")
    root = DocClaim(key="t", text="Surveillance makes a city safer.")
    root.children = [
        DocClaim(key=str(n), text=text, stance="pro" if n % 2 else "con")
        for n, text in enumerate(bodies)
    ]
    document_import(
        debate=debate, document=DebateDocument(question=debate.question, theses=[root])
    )
    client = Client()
    client.force_login(owner)
    page_url = f"/d/{debate.slug}/moderation/duplicates/"
    api_url = f"/api/v1/debates/{debate.slug}/duplicates/"
    similar_url = f"/api/v1/debates/{debate.slug}/similar/"
    page = median_seconds(lambda: client.get(page_url))
    connection.queries_log.clear()  # a full log (9,000 entries) counts nothing
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page_url).status_code == 200
    api = median_seconds(lambda: client.get(api_url))
    draft = {"text": "Drones threaten the privacy of pupils without oversight"}
    similar = median_seconds(lambda: client.get(similar_url, draft), runs=10)

    verdict = "met" if page <= GOAL_SECONDS else "MISSED"
    return (
        "## Likely duplicates and suggestions (`bench/similarity.py`)\n\n"
        f"{SIZE:,} claims (synthetic policy sentences, {PLANTED} of them rephrasing "
        f"another), TF-IDF backend; medians of {RUNS} runs after a warm-up.\n\n"
        "| what | time |\n|---|---|\n"
        f"| pair search, blocked sparse top-k (`duplicate_pairs`) | {pure:.3f} s |\n"
        f"| the same threshold by a Python loop over all pairs | {loop:.1f} s |\n"
        f"| moderators' duplicates page ({len(queries)} queries, "
        f"{min(len(pairs), 100)} pairs shown) | {page:.3f} s |\n"
        f"| `GET /api/v1/debates/{{slug}}/duplicates/` | {api:.3f} s |\n"
        f"| `GET /api/v1/debates/{{slug}}/similar/?text=` (a draft) | "
        f"{similar:.3f} s |\n\n"
        f"Top-k / loop: **{pure / loop:.3f}x**; the top-k finds "
        f"{100 * agree:.0f} % of the loop's pairs (it keeps the 5 nearest earlier "
        f"and later per claim) and {100 * recall:.0f} % of the planted "
        f"rephrasings. Page at {SIZE:,} claims: "
        f"goal ≤ {GOAL_SECONDS:.0f} s: **{verdict}**."
    )
