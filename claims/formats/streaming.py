"""Writing a format piece by piece, so an export never holds the whole
debate as one string: the writers yield text and a download streams it.

``text_lines`` turns lines into text as ``"\\n".join(lines).rstrip("\\n") +
"\\n"`` would; ``iter_json`` writes what ``json.dumps(value, indent=…,
ensure_ascii=False)`` would, taking any iterator as a list (its items are
written one by one as it yields them); ``chunked`` gathers small pieces into
pieces of a useful size for a response.
"""

import json
from collections.abc import Iterable, Iterator, Mapping

CHUNK = 64 * 1024
_dumps = json.JSONEncoder(ensure_ascii=False).encode


def text_lines(lines: Iterable[str]) -> Iterator[str]:
    """Each line and its newline; blank lines at the end are dropped (one
    newline ends the text, as in the writers' ``rstrip``)."""
    blanks = 0
    wrote = False
    for line in lines:
        if line == "":
            blanks += 1
            continue
        if blanks:
            yield "\n" * blanks
            blanks = 0
        yield line + "\n"
        wrote = True
    if not wrote:
        yield "\n"


def iter_json(value, *, indent: int = 1, level: int = 0) -> Iterator[str]:
    pad = "\n" + " " * (indent * (level + 1))
    if isinstance(value, Mapping):
        if not value:
            yield "{}"
            return
        yield "{"
        for position, (key, item) in enumerate(value.items()):
            yield ("," if position else "") + pad + json.dumps(str(key)) + ": "
            yield from iter_json(item, indent=indent, level=level + 1)
        yield "\n" + " " * (indent * level) + "}"
        return
    if isinstance(value, (list, tuple, Iterator)):
        empty = True
        inner = pad + " " * indent
        for item in value:
            if (
                isinstance(item, dict)
                and item
                and not any(isinstance(v, (dict, list, tuple)) for v in item.values())
            ):
                # A flat object (most items: graph nodes and edges), written
                # by hand around json's fast scalar encoding (``indent``
                # turns its C encoder off).
                text = (
                    "{"
                    + ",".join(
                        inner + _dumps(str(k)) + ": " + _dumps(v)
                        for k, v in item.items()
                    )
                    + pad
                    + "}"
                )
            else:
                # Written whole, indented to its place.
                text = json.dumps(item, ensure_ascii=False, indent=indent)
                text = text.replace("\n", pad)
            yield ("[" if empty else ",") + pad + text
            empty = False
        yield "[]" if empty else "\n" + " " * (indent * level) + "]"
        return
    yield json.dumps(value, ensure_ascii=False, indent=indent)


def chunked(pieces: Iterable[str], size: int = CHUNK) -> Iterator[str]:
    buffer: list[str] = []
    length = 0
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)
