"""AIF JSON as AIFdb and OVA write it: ``{"nodes", "edges", "locutions"}``.

A pro is ``I(child) → RA → I(parent)``, a con ``I(child) → CA → I(parent)``.
Export writes I/RA/CA/MA nodes (a link claim is one more RA/CA/MA from the
claim it shows) and, when authors are known, an L (locution) and YA
(asserting) node per claim for who said what; only AIF's own top-level keys.
Import keeps every I-node as a claim. ``I(R) → MA → I(O)`` (R rephrases O)
makes R a pro of O marked ``rephrase`` (R keeps its text and its own
relations; a second place is a link claim), which export writes as MA again.
Dialogue nodes (L, YA, TA, …) are ignored. AIF has no title: an untitled
file's question is its first claim's text, shortened to the question's
limit. JSON errors name the JSON path (and line and column) where reading
stopped.
"""

import json
from collections.abc import Iterator
from datetime import datetime

from claims.formats import safejson
from claims.formats.document import DebateDocument, FormatError
from claims.formats.graph import (
    REPHRASE,
    GraphNode,
    GraphRelation,
    graph_to_document,
)
from claims.formats.streaming import iter_json

TIMESTAMP = "%Y-%m-%d %H:%M:%S"
SCHEME_TEXT = {
    "pro": "Default Inference",
    "con": "Default Conflict",
    REPHRASE: "Default Rephrase",
}
SCHEME_TYPE = {"pro": "RA", "con": "CA", REPHRASE: "MA"}
QUESTION_MAX = 300  # deliberation.Debate.question


def write_aif(
    document: DebateDocument,
    *,
    authors: dict[str, str] | None = None,
    timestamp: datetime | None = None,
) -> str:
    """``authors`` maps a claim key to the pseudonym shown for who said it."""
    return "".join(iter_aif(document, authors=authors, timestamp=timestamp))


def iter_aif(
    document: DebateDocument,
    *,
    authors: dict[str, str] | None = None,
    timestamp: datetime | None = None,
) -> Iterator[str]:
    """``write_aif`` piece by piece (the graph's nodes are small dicts; the
    text is never whole)."""
    stamp = (timestamp or datetime(2000, 1, 1)).strftime(TIMESTAMP)
    authors = authors or {}
    nodes, edges, locutions = [], [], []
    node_of: dict[str, str] = {}
    people: dict[str, str] = {}

    def node(text: str, kind: str) -> str:
        node_id = str(len(nodes) + 1)
        nodes.append(
            {"nodeID": node_id, "text": text, "type": kind, "timestamp": stamp}
        )
        return node_id

    def edge(source: str, target: str) -> None:
        edges.append(
            {
                "edgeID": str(len(edges) + 1),
                "fromID": source,
                "toID": target,
                "formEdgeID": None,
            }
        )

    claims = list(document.claims())
    for claim in claims:
        if not claim.link_key:
            node_of[claim.key] = node(claim.text, "I")

    def relate(claim, parent_key):
        shown = claim.link_key or claim.key
        kind = REPHRASE if claim.rephrase else claim.stance
        scheme = node(SCHEME_TEXT[kind], SCHEME_TYPE[kind])
        edge(node_of[shown], scheme)
        edge(scheme, node_of[parent_key])

    links = []

    def walk(claim):
        for child in claim.children:
            if child.link_key:
                links.append((child, claim.key))
                continue
            relate(child, claim.key)
            walk(child)

    for thesis in document.theses:
        walk(thesis)
    # After every claim's own place: a reader takes a claim's first relation
    # as its place in the tree, and later ones as links.
    for child, parent_key in links:
        relate(child, parent_key)
    for claim in claims:
        who = authors.get(claim.key)
        if claim.link_key or not who:
            continue
        person = people.setdefault(who, str(len(people) + 1))
        locution = node(f"{who} : {claim.text}", "L")
        asserting = node("Asserting", "YA")
        edge(locution, asserting)
        edge(asserting, node_of[claim.key])
        locutions.append(
            {
                "nodeID": locution,
                "personID": person,
                "timestamp": stamp,
                "start": None,
                "end": None,
                "source": None,
            }
        )
    data = {
        "nodes": nodes,
        "edges": edges,
        "locutions": locutions,
        "participants": [
            {"participantID": pid, "firstname": name, "surname": ""}
            for name, pid in people.items()
        ],
    }
    yield from iter_json(data, indent=1)
    yield "\n"


def _str(value, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise FormatError("expected a string or a number", location=where)
    return str(value)


def parse_aif(text: str) -> DebateDocument:
    try:
        data = safejson.loads(text, strings=False)  # checked per claim below
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            location=json_path_at(text, exc.pos),
        ) from exc
    except safejson.JSONRefused as exc:
        raise FormatError(f"not accepted: {exc}", location="$") from exc
    if not isinstance(data, dict):
        raise FormatError("expected an object with nodes and edges", location="$")
    raw_nodes, raw_edges = data.get("nodes"), data.get("edges")
    if not isinstance(raw_nodes, list):
        raise FormatError("expected a list of nodes", location="$.nodes")
    if not isinstance(raw_edges, list):
        raise FormatError("expected a list of edges", location="$.edges")
    kinds: dict[str, str] = {}
    atoms: list[GraphNode] = []
    for i, raw in enumerate(raw_nodes):
        where = f"$.nodes[{i}]"
        if not isinstance(raw, dict):
            raise FormatError("expected an object", location=where)
        node_id = _str(raw.get("nodeID"), f"{where}.nodeID")
        kind = raw.get("type")
        if not isinstance(kind, str):
            raise FormatError("expected a node type", location=f"{where}.type")
        if node_id in kinds:
            raise FormatError(f"duplicate nodeID {node_id!r}", location=where)
        kinds[node_id] = kind
        if kind == "I":
            text = raw.get("text")
            if not isinstance(text, str):
                raise FormatError("expected the claim's text", location=f"{where}.text")
            atoms.append(GraphNode(key=node_id, text=text, location=where))
    into: dict[str, list[str]] = {}
    out_of: dict[str, list[str]] = {}
    for i, raw in enumerate(raw_edges):
        where = f"$.edges[{i}]"
        if not isinstance(raw, dict):
            raise FormatError("expected an object", location=where)
        source = _str(raw.get("fromID"), f"{where}.fromID")
        target = _str(raw.get("toID"), f"{where}.toID")
        for end, field in ((source, "fromID"), (target, "toID")):
            if end not in kinds:
                raise FormatError(
                    f"edge to unknown node {end!r}", location=f"{where}.{field}"
                )
        into.setdefault(target, []).append(source)
        out_of.setdefault(source, []).append(target)

    relations: list[GraphRelation] = []
    for scheme, kind in kinds.items():
        if kind not in ("RA", "CA", "MA"):
            continue  # dialogue (L, YA, TA) and other nodes carry no claims
        premises = [n for n in into.get(scheme, []) if kinds[n] == "I"]
        conclusions = out_of.get(scheme, [])
        for conclusion in conclusions:
            if kinds[conclusion] in ("RA", "CA"):
                # Undercutting an inference: in a tree, a con of its premise
                # (as a Kialo con under a pro disputes its relevance).
                targets = [n for n in into.get(conclusion, []) if kinds[n] == "I"]
                targets = targets[:1]
            elif kinds[conclusion] == "I":
                targets = [conclusion]
            else:
                targets = []
            for target in targets:
                for premise in premises:
                    stance = {"RA": "pro", "CA": "con", "MA": REPHRASE}[kind]
                    relations.append(GraphRelation(premise, target, stance))
    if not atoms:
        raise FormatError("no I nodes (claims) found", location="$.nodes")
    document = graph_to_document(question="", nodes=atoms, relations=relations)
    if len(document.question) > QUESTION_MAX:
        # Untitled: the first claim names the debate, shortened at a word.
        cut = document.question[: QUESTION_MAX - 1].rsplit(" ", 1)[0]
        document.question = cut.rstrip() + "…"
    return document


def json_path_at(text: str, pos: int) -> str:
    """The JSON path (``$.nodes[3].text``) of the value being read at
    character ``pos``: where a JSON error stopped, as a path rather than
    "line 1" (AIF files are often one line)."""
    # One frame per open container: [kind, current key or index, key next?]
    frames: list[list] = []
    i, end = 0, min(pos, len(text))
    while i < end:
        char = text[i]
        if char == '"':
            close = i + 1
            while close < len(text) and text[close] != '"':
                close += 2 if text[close] == "\\" else 1
            if frames and frames[-1][0] == "{" and frames[-1][2]:
                try:
                    frames[-1][1] = json.loads(text[i : close + 1])
                except ValueError:
                    frames[-1][1] = text[i + 1 : close]
            i = close + 1
            continue
        if char == "{":
            frames.append(["{", None, True])
        elif char == "[":
            frames.append(["[", 0, False])
        elif char in "}]":
            if frames:
                frames.pop()
        elif char == "," and frames:
            if frames[-1][0] == "[":
                frames[-1][1] += 1
            else:
                frames[-1][1], frames[-1][2] = None, True
        elif char == ":" and frames:
            frames[-1][2] = False
        i += 1
    out = "$"
    for kind, step, _ in frames:
        if step is None:
            break
        out += f"[{step}]" if kind == "[" else f".{step}"
    return out
