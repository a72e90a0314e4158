"""Importing a 5,000-claim Kialo file against arguebuf reading the same file.

Goal: our whole import (parse, validate, write the new debate in one
transaction) takes at most 1x the time arguebuf 2.7.2 needs to parse the file
into its graph. The file is generated in Kialo's older form (arguebuf reads
only that one), with multi-line claims, links and Markdown links."""

import io
import random
import statistics
import time

import arguebuf.load
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from claims.formats.kialo import parse_kialo
from deliberation.services.interchange import debate_import_file

CLAIMS = 5000
RUNS = 9
GOAL = 1.0


def kialo_file(size: int = CLAIMS, seed: int = 7) -> str:
    """A debate of ``size`` claims (about 2% of them links), breadth-first."""
    rng = random.Random(seed)
    lines = ["Discussion Title: Should the benchmark city ban cars?", ""]
    lines.append("1. The city should ban private cars from its centre.")
    paths, queue, made, plain = ["1"], ["1"], 1, ["1"]
    children: dict[str, int] = {}
    links = []
    while made < size:
        parent = queue[0]
        children[parent] = children.get(parent, 0) + 1
        if children[parent] == 6:
            queue.pop(0)
        path = f"{parent}.{children[parent]}"
        stance = rng.choice(["Pro", "Con"])
        if made % 50 == 0 and len(plain) > 10:
            links.append(f"{path}. {stance}: -> See {rng.choice(plain[1:])}.")
        else:
            words = " ".join(
                rng.choice(
                    (
                        "cars",
                        "air",
                        "noise",
                        "buses",
                        "shops",
                        "\\(often\\)",
                        "[a report](https://e.org/r)",
                    )
                )
                for _ in range(14)
            )
            lines.append(f"{path}. {stance}: Claim {made} says {words}.")
            queue.append(path)
            plain.append(path)
        paths.append(path)
        made += 1
    # Links last: arguebuf reads in one pass and needs a link's target above.
    return "\n".join(lines + links) + "\n"


def _medians(*fns) -> list[float]:
    """Median time of each function, run in turns so that a busy machine
    slows all of them alike."""
    samples = [[] for _ in fns]
    for _ in range(RUNS):
        for fn, times in zip(fns, samples, strict=True):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return [statistics.median(times) for times in samples]


def run() -> str:
    text = kialo_file()
    owner = get_user_model().objects.create_user("bench-importer", password="x")
    graph = arguebuf.load.kialo(io.StringIO(text))
    document = parse_kialo(text)
    claims = sum(1 for _ in document.claims())

    def ours():
        # Rolled back each time so every run writes the same rows; the
        # deferred foreign-key checks a commit would run are run first.
        with transaction.atomic():
            debate_import_file(owner=owner, text=text, format="kialo")
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            transaction.set_rollback(True)

    ours()  # warm-up
    theirs, parse, full = _medians(
        lambda: arguebuf.load.kialo(io.StringIO(text)), lambda: parse_kialo(text), ours
    )
    ratio = full / theirs
    links = sum(1 for c in document.claims() if c.link_key)
    verdict = "met" if ratio <= GOAL else "MISSED"
    return (
        "## Kialo import vs arguebuf (`bench/interop.py`)\n\n"
        f"A generated Kialo file (older form) of {claims:,} claims "
        f"({len(text) / 1e6:.1f} MB, {links} links); median of {RUNS} runs "
        "each, taken in turns in the same process. arguebuf 2.7.2 "
        f"builds {len(graph.atom_nodes):,} claims and {len(graph.scheme_nodes):,} "
        "relations from it; ours writes a new debate (sources, claims, revisions) "
        "in one transaction (constraints checked as at a commit), rolled back "
        "after each run.\n\n"
        "| step | time | vs arguebuf |\n|---|---|---|\n"
        f"| arguebuf `load.kialo` (parse only) | {theirs * 1000:.0f} ms | 1.00x |\n"
        f"| ours: `parse_kialo` (parse only) | {parse * 1000:.0f} ms | "
        f"{parse / theirs:.2f}x |\n"
        f"| ours: whole import (parse + database) | {full * 1000:.0f} ms | "
        f"{ratio:.2f}x |\n\n"
        f"Whole import / arguebuf parse: **{ratio:.2f}x** — goal ≤ {GOAL:.0f}x: "
        f"**{verdict}**."
    )
