"""From an argument *graph* (AIF, Argdown) to Counterpoint's claim *trees*.

Graph formats let one claim support or attack several others; a tree gives
each claim one place. The first relation that reaches a claim (walking down
from the roots, in file order) places it; every further relation becomes a
link claim there, which is how Counterpoint shows a claim in a second place.
"""

from dataclasses import dataclass, field

from claims.formats.document import DebateDocument, DocClaim, FormatError
from claims.markdown import text_length_problem

# A claim's path holds 4 characters per level in 255 (django-treebeard).
MAX_DEPTH = 63
# A relation that restates its parent (AIF's MA): a pro claim marked
# ``rephrase``, so the AIF export writes MA again.
REPHRASE = "rephrase"


@dataclass
class GraphNode:
    key: str
    text: str
    location: str  # where it was defined, for error messages
    citations: list = field(default_factory=list)
    explanation: str = ""


@dataclass
class GraphRelation:
    child: str  # the supporting / attacking node
    parent: str  # the node it supports or attacks
    stance: str  # "pro", "con", or "rephrase" (AIF's MA: restates the parent)
    primary: bool = False  # where the claim is defined (its place in a tree)


def check_text(text: str, location: str) -> str:
    # Only ASCII whitespace at the ends: an NBSP or a tab inside is text.
    text = text.strip(" \t\r\n")
    if not text:
        raise FormatError("a claim has no text", location=location)
    problem = text_length_problem(text)
    if problem:
        raise FormatError(problem, location=location)
    return text


def graph_to_document(
    *,
    question: str,
    nodes: list[GraphNode],
    relations: list[GraphRelation],
) -> DebateDocument:
    """Trees from a graph: every node a claim (a rephrase too: its relation
    is one more, of stance REPHRASE)."""
    by_key = {node.key: node for node in nodes}
    order = [node.key for node in nodes]
    children: dict[str, list[tuple[str, str]]] = {key: [] for key in order}
    has_parent = set()
    seen_relations = set()
    # A claim's home: the relation flagged primary, else its first one.
    home: dict[str, tuple[str, str]] = {}
    primary: set[str] = set()
    for relation in relations:
        child, parent = relation.child, relation.parent
        if child == parent or (child, parent, relation.stance) in seen_relations:
            continue
        seen_relations.add((child, parent, relation.stance))
        children[parent].append((child, relation.stance))
        has_parent.add(child)
        if child not in home or (relation.primary and child not in primary):
            home[child] = (parent, relation.stance)
        if relation.primary:
            primary.add(child)

    placed: dict[str, DocClaim] = {}
    theses: list[DocClaim] = []
    link_count = 0

    def make(key: str, stance: str) -> DocClaim:
        node = by_key[key]
        claim = DocClaim(
            key=key,
            text=check_text(node.text, node.location),
            stance="pro" if stance == REPHRASE else stance,
            rephrase=stance == REPHRASE,
            explanation=node.explanation,
            citations=list(node.citations),
        )
        placed[key] = claim
        return claim

    def grow(root_key: str) -> None:
        nonlocal link_count
        theses.append(make(root_key, ""))
        stack = [(root_key, 1)]
        while stack:
            key, depth = stack.pop()
            parent = placed[key]
            for child_key, stance in children[key]:
                if depth + 1 > MAX_DEPTH:
                    raise FormatError(
                        f"claims nested deeper than {MAX_DEPTH} levels",
                        location=by_key[child_key].location,
                    )
                homed = home.get(child_key, (key, stance)) == (key, stance)
                if child_key in placed or not homed:
                    link_count += 1
                    parent.children.append(
                        DocClaim(
                            key=f"{child_key}~link{link_count}",
                            stance="pro" if stance == REPHRASE else stance,
                            rephrase=stance == REPHRASE,
                            link_key=child_key,
                        )
                    )
                else:
                    parent.children.append(make(child_key, stance))
                    stack.append((child_key, depth + 1))

    for key in order:
        if key not in has_parent and key not in placed:
            grow(key)
    # What is left sits on a cycle without a root: the first such claim in
    # file order becomes a thesis.
    for key in order:
        if key not in placed:
            grow(key)
    if not theses:
        raise FormatError("no claims found", location="")
    return DebateDocument(question=question.strip() or theses[0].text, theses=theses)
