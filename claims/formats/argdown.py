"""Argdown (argdown.org): the statement/argument + support/attack subset.

Export: a YAML front matter with the title, each thesis a statement
``[T1]: text``, each pro or con an argument ``<C1.2>: text`` indented under
what it supports (``+``) or attacks (``-``); a link claim is a reference to
the element it shows (``+ <C1.1>``). Citations become metadata
``{sources: [key, …]}`` and the sources a front-matter list; a text whose
whitespace Argdown would not keep (newlines, runs of spaces, tabs, NBSP) is
written as Argdown reads it and again, exact, as ``{exact: "…"}`` (a YAML
string), which the import prefers while it still matches. The Argdown CLI
(``@argdown/cli``, pinned in tools/argdown) parses it without errors.

Import reads statements and arguments (definitions and references), the
relations ``+ - +> -> <+ <-`` by indentation, front matter ``title``; it skips
headings, premise-conclusion structures, comments, tags and metadata.
"""

import json
import re
from collections.abc import Iterator

import yaml

from claims.formats.document import DebateDocument, FormatError
from claims.formats.graph import GraphNode, GraphRelation, graph_to_document
from claims.formats.streaming import text_lines

# Characters Argdown reads as syntax inside text; escaped with a backslash.
# "." and ":" only start a special character (``.name.``) before a non-space,
# "/" only a comment before "/" or "*".
_SPECIAL = re.compile(r"([\\@#*_\[\]<>{}]|[.:](?=\S)|/(?=[/*]))")
_ELEMENT = re.compile(
    r"^(?:(?P<rel><\+|<-|\+>|->|\+|-|><|_>|<_)\s+)?"
    r"(?:\[(?P<stmt>[^\]]+)\]|<(?P<arg>[^>]+)>)(?P<colon>:)?\s*(?P<text>.*)$"
)
_UNESCAPE = re.compile(r"\\(.)")
_METADATA = re.compile(r"\s*\{[^{}]*\}\s*$")
_TAG = re.compile(r"(?<!\\)#(?:\([^)]*\)|[\w-]+)")
_COMMENT = re.compile(r"<!--.*?-->|/\*.*?\*/", re.DOTALL)


def _escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def write_argdown(document: DebateDocument) -> str:
    return "".join(iter_argdown(document))


def iter_argdown(document: DebateDocument) -> Iterator[str]:
    """``write_argdown`` line by line."""
    return text_lines(_argdown_lines(document))


def _argdown_lines(document: DebateDocument) -> Iterator[str]:
    titles: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for rank, thesis in enumerate(document.theses, start=1):
        titles[thesis.key], kinds[thesis.key] = f"T{rank}", "statement"

        def name(claim, path):
            for position, child in enumerate(claim.children, start=1):
                child_path = f"{path}.{position}"
                titles[child.key], kinds[child.key] = f"C{child_path}", "argument"
                name(child, child_path)

        name(thesis, str(rank))

    front = {"title": document.question}
    if document.sources:
        front["sources"] = [
            {k: v for k, v in (("key", s.key), ("title", s.title), ("url", s.url)) if v}
            for s in document.sources
        ]
    yield "==="
    yield yaml.safe_dump(front, allow_unicode=True, sort_keys=False).strip()
    yield from ["===", "", f"# {_escape(document.question)}", ""]

    def ref(key: str) -> str:
        title = titles[key]
        return f"[{title}]" if kinds[key] == "statement" else f"<{title}>"

    def meta(claim) -> str:
        keys = list(dict.fromkeys(c.source_key for c in claim.citations))
        fields = [f"sources: {json.dumps(keys)}"] if keys else []
        if claim.text != " ".join(claim.text.split()):
            fields.append(f"exact: {_yaml_string(claim.text)}")
        return f" {{{', '.join(fields)}}}" if fields else ""

    def emit(claim, depth: int):
        for child in claim.children:
            indent = "    " * depth
            sign = "+" if child.stance == "pro" else "-"
            if child.link_key:
                yield f"{indent}{sign} {ref(child.link_key)}"
                continue
            yield f"{indent}{sign} {ref(child.key)}: {_escape(child.text)}{meta(child)}"
            yield from emit(child, depth + 1)

    for thesis in document.theses:
        yield f"{ref(thesis.key)}: {_escape(thesis.text)}{meta(thesis)}"
        yield from emit(thesis, 1)
        yield ""


def _yaml_string(text: str) -> str:
    """A double-quoted YAML string (JSON's escapes are YAML's) with no
    braces or NBSP as such, so it stays one metadata block on one line."""
    quoted = json.dumps(text, ensure_ascii=False)
    for char in "{}\u00a0\u2028\u2029":
        quoted = quoted.replace(char, f"\\u{ord(char):04x}")
    return quoted


def _exact_text(raw: str, visible: str) -> str:
    """The ``exact`` text of an element's metadata if it is still the text
    shown (a file edited since may have changed one and not the other)."""
    found = _METADATA.search(raw)
    if not found or "exact" not in found[0]:
        return visible
    try:
        meta = yaml.safe_load(found[0])
    except yaml.YAMLError:
        return visible
    exact = meta.get("exact") if isinstance(meta, dict) else None
    if isinstance(exact, str) and " ".join(exact.split()) == visible:
        return exact
    return visible


def _clean_text(raw: str) -> str:
    raw = _METADATA.sub("", raw)
    raw = _TAG.sub("", raw)
    return " ".join(_UNESCAPE.sub(r"\1", raw).split())


def parse_argdown(text: str) -> DebateDocument:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _COMMENT.sub(lambda m: "\n" * m[0].count("\n"), text)
    lines = text.split("\n")
    question, start = "", 0
    if lines and lines[0].strip() == "===":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "==="), None)
        if end is None:
            raise FormatError("front matter is not closed by '==='", location="line 1")
        try:
            front = yaml.safe_load("\n".join(lines[1:end])) or {}
        except yaml.YAMLError as exc:
            raise FormatError(
                f"front matter is not valid YAML: {exc}", location="line 2"
            ) from exc
        if isinstance(front, dict) and front.get("title") is not None:
            question = str(front["title"])
        start = end + 1

    nodes: dict[str, GraphNode] = {}
    order: list[str] = []
    relations: list[GraphRelation] = []
    first_line: dict[str, int] = {}
    stack: list[tuple[int, str | None]] = []  # (indentation, element key)
    skip_below: int | None = None
    text_owner: str | None = None  # whose text an indented plain line continues
    for number, line in enumerate(lines[start:], start=start + 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("//"):
            continue
        indent = len(line) - len(line.lstrip(" \t"))
        if skip_below is not None:
            if indent > skip_below:
                continue
            skip_below = None
        if stripped.startswith("#") and not stripped.startswith("#("):
            if not question and stripped.lstrip("#").strip():
                question = _clean_text(stripped.lstrip("#"))
            stack, text_owner = [], None
            continue
        if re.match(r"^\(\d+\)|^-{2,}|^={2,}", stripped):
            # A premise-conclusion structure: outside the subset we import.
            skip_below = indent
            stack, text_owner = [], None
            continue
        match = _ELEMENT.match(stripped)
        if match is None:
            if stack and indent > stack[-1][0]:
                if text_owner is not None:  # the element's text goes on
                    node = nodes[text_owner]
                    node.text = f"{node.text} {_clean_text(stripped)}".strip()
                continue
            raise FormatError(
                "expected a statement [Title]: text or an argument <Title>: text",
                location=f"line {number}",
            )
        kind = "statement" if match["stmt"] is not None else "argument"
        title = _UNESCAPE.sub(r"\1", match["stmt"] or match["arg"]).strip()
        key = f"{kind}:{title}"
        if key not in first_line:
            first_line[key] = number
            order.append(key)
        if match["colon"]:
            body = _exact_text(match["text"], _clean_text(match["text"]))
            if body:
                if key in nodes and nodes[key].text and nodes[key].text != body:
                    raise FormatError(
                        f"{title!r} is defined twice with different texts",
                        location=f"line {number}",
                    )
                nodes[key] = GraphNode(key=key, text=body, location=f"line {number}")
        text_owner = key if match["colon"] and key in nodes else None
        while stack and stack[-1][0] >= indent:
            stack.pop()
        rel = match["rel"]
        if rel is not None:
            if not stack:
                raise FormatError(
                    "a relation needs an element above it", location=f"line {number}"
                )
            above = stack[-1][1]
            defined = bool(match["colon"] and match["text"].strip())
            if rel in ("+", "<+"):
                relations.append(GraphRelation(key, above, "pro", defined))
            elif rel in ("-", "<-"):
                relations.append(GraphRelation(key, above, "con", defined))
            elif rel == "+>":
                relations.append(GraphRelation(above, key, "pro"))
            elif rel == "->":
                relations.append(GraphRelation(above, key, "con"))
            # Contradictions and undercuts are outside the subset.
        stack.append((indent, key))

    graph_nodes = []
    for key in order:
        node = nodes.get(key)
        if node is None:
            title = key.split(":", 1)[1]
            node = GraphNode(
                key=key, text=title, location=f"line {first_line[key]}"
            )  # a statement used by title only: its title is its text
        graph_nodes.append(node)
    if not graph_nodes:
        raise FormatError("no statements or arguments found", location="line 1")
    return graph_to_document(question=question, nodes=graph_nodes, relations=relations)
