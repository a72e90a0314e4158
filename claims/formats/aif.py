"""AIF JSON as AIFdb and OVA write it: ``{"nodes", "edges", "locutions"}``.

A pro is ``I(child) → RA → I(parent)``, a con ``I(child) → CA → I(parent)``.
Export writes I/RA/CA nodes (a link claim is one more RA/CA from the claim
it shows) and, when authors are known, an L (locution) and YA (asserting)
node per claim for who said what. Import keeps I/RA/CA, reads MA (rephrase)
as "the same claim" (a link), and ignores dialogue nodes (L, YA, TA, …).
"""

import json
from collections.abc import Iterator
from datetime import datetime

from claims.formats.document import DebateDocument, FormatError
from claims.formats.graph import GraphNode, GraphRelation, graph_to_document
from claims.formats.streaming import iter_json

TIMESTAMP = "%Y-%m-%d %H:%M:%S"
SCHEME_TEXT = {"pro": "Default Inference", "con": "Default Conflict"}


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
        scheme = node(
            SCHEME_TEXT[claim.stance], "RA" if claim.stance == "pro" else "CA"
        )
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
        # Not AIF: lets our own import name the debate as it was.
        "title": document.question,
    }
    yield from iter_json(data, indent=1)
    yield "\n"


def _str(value, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise FormatError("expected a string or a number", location=where)
    return str(value)


def parse_aif(text: str) -> DebateDocument:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"not valid JSON: {exc.msg}", location=f"line {exc.lineno}"
        ) from exc
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
    aliases: dict[str, str] = {}
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
                    if kind == "MA":
                        aliases.setdefault(premise, target)
                    else:
                        stance = "pro" if kind == "RA" else "con"
                        relations.append(GraphRelation(premise, target, stance))
    if not atoms:
        raise FormatError("no I nodes (claims) found", location="$.nodes")
    title = data.get("title")
    return graph_to_document(
        question=title if isinstance(title, str) else "",
        nodes=atoms,
        relations=relations,
        aliases=_acyclic(aliases),
    )


def _acyclic(aliases: dict[str, str]) -> dict[str, str]:
    """Drop the MA edges that would make a node restate itself."""
    kept: dict[str, str] = {}
    for node, target in aliases.items():
        seen, step = {node}, target
        while step in kept and step not in seen:
            seen.add(step)
            step = kept[step]
        if step not in seen:
            kept[node] = target
    return kept
