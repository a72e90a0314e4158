"""Kialo's plain-text export, both generations (FORMATS.md).

Older: ``Discussion Title: T``, a blank line, then one claim per line
(``1.1. Pro: text``). Newer: ``Discussion Name:`` and the title on the next line,
then per claim a header ``1.1. Pro:`` and its text on the following lines,
indented, with a closing ``Sources:`` section that footnote markers ``[n]`` in
claim text refer to. ``-> See 1.2.`` is a link to the claim at that path.

``parse_kialo`` reads either (CRLF too, labels in any case); ``write_kialo``
writes the newer form by default, or the older one (which ``arguebuf`` reads).

Exact, for round trips byte for byte: a claim's text keeps its whitespace
(newlines, runs of spaces, tabs, NBSP) and its footnote markers ``[n]`` where
they stand; each marker is one citation, in the order of the markers (two
markers to one URL are two citations). A marker in the question refers to a
source no claim cites. Strict: an unknown label (``1.2. Contra:``) is refused
with its line (Kialo's help pages show no exports with translated labels; a
file that had them would be refused, not misread), and so is a file cut off
in its ``Sources:`` section. Only the older form escapes ``( ) [ ]``.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.text import slugify

from claims.formats.document import (
    DebateDocument,
    DocCitation,
    DocClaim,
    DocSource,
    FormatError,
)
from claims.formats.graph import MAX_DEPTH, check_text
from claims.formats.streaming import text_lines

LABELS = ("thesis", "pro", "con", "question")
_PATH = r"((?:\d+\.)+)"
# Older generation: path, optional label, text on the same line.
_OLDER_LINE = re.compile(
    rf"^\s*{_PATH}\s+(?:(thesis|pro|con|question)\s*:\s*)?(.*)$", re.IGNORECASE
)
# Newer generation: a header line with the label (text may follow).
_HEADER = re.compile(
    rf"^\s*{_PATH}\s+(thesis|pro|con|question)\s*:\s*(.*)$", re.IGNORECASE
)
# Any header-shaped line of the newer form: a path and one word and a colon.
_ANY_HEADER = re.compile(rf"^(\s*){_PATH}\s+([^\s:\d][^\s:]{{0,30}})\s*:\s*$")
# The older form's line whose "label" is not one: "1.2. Contra: text".
_OLDER_UNKNOWN = re.compile(r"^([^\W\d][\w-]{0,30}):\s")
_SEE = re.compile(r"^->\s*See\s+((?:\d+\.)*\d+\.?)\s*$", re.IGNORECASE)
_MARKER = re.compile(r"(?<!\\)\[(\d+)\](?!\()")
_SOURCE_LINE = re.compile(r"^\[(\d+)\]\s*(.*)$")
# Kialo escapes Markdown punctuation in a footnote's URL: \( \) \@ \_ …
_URL_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# What the older form's escaping leaves alone: Markdown links, footnote markers.
_KEEP = re.compile(r"\[[^\]\n]*\]\([^)\s]*\)|(?<!\\)\[\d+\](?!\()")
_ESCAPED = re.compile(r"\\([\[\]()])")
_is_url = URLValidator(schemes=["http", "https"])


@dataclass
class _Raw:
    path: str  # "1.2.3"
    label: str
    line: int
    lines: list[str] = field(default_factory=list)
    indent: int = 0  # the header's (newer form): its text lines share it


def _normalise_path(path: str) -> str:
    return path.strip().rstrip(".")


def parse_kialo(text: str) -> DebateDocument:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise FormatError("the file is empty", location="line 1")
    head = lines[first].strip()
    if head.lower().startswith("discussion title:"):
        title = head.split(":", 1)[1].strip()
        raws, end = _older_claims(lines, first + 1)
    elif head.lower().startswith("discussion name:"):
        title = head.split(":", 1)[1].strip()
        start = first + 1
        if not title:
            while start < len(lines) and not lines[start].strip():
                start += 1
            title = lines[start].strip() if start < len(lines) else ""
            start += 1
        raws, end = _newer_claims(lines, start)
    else:
        raise FormatError(
            "expected 'Discussion Title: …' or 'Discussion Name:' first",
            location=f"line {first + 1}",
        )
    sources = _sources(lines, end)
    return _document(title, raws, sources)


def _older_claims(lines, start) -> tuple[list[_Raw], int]:
    raws: list[_Raw] = []
    for i in range(start, len(lines)):
        line = lines[i]
        if line.strip().lower() == "sources:":
            return raws, i + 1
        match = _OLDER_LINE.match(line)
        if match:
            unknown = _OLDER_UNKNOWN.match(match[3])
            if not match[2] and "." in match[1].strip()[:-1] and unknown:
                raise FormatError(
                    f"unknown label '{unknown[1]}:' (expected Pro: or Con:)",
                    location=f"line {i + 1}",
                )
            raws.append(_Raw(match[1], (match[2] or "").lower(), i + 1, [match[3]]))
        elif raws:
            raws[-1].lines.append(line)  # a claim's text spans lines
        elif line.strip():
            raise FormatError(
                "expected a claim such as '1. …' or '1.1. Pro: …'",
                location=f"line {i + 1}",
            )
    _check_not_cut(lines, raws)
    return raws, len(lines)


def _newer_claims(lines, start) -> tuple[list[_Raw], int]:
    raws: list[_Raw] = []
    for i in range(start, len(lines)):
        line = lines[i]
        # Sources: closes the claims; lines there can look like claims.
        if line.strip().lower() == "sources:" and not line[:1].isspace():
            return raws, i + 1
        match = _HEADER.match(line)
        if match:
            indent = len(line) - len(line.lstrip(" "))
            raw = _Raw(match[1], match[2].lower(), i + 1, [], indent)
            if match[3]:
                raw.lines.append(match[3])
            raws.append(raw)
            continue
        other = _ANY_HEADER.match(line)
        # A header where a header stands (indented two spaces a level) but
        # with a label Kialo does not write: refused, never merged into text.
        if other and len(other[1]) == 2 * other[2].count(".") - 2:
            raise FormatError(
                f"unknown label '{other[3]}:' (expected Thesis:, Pro:, Con: "
                "or Question:)",
                location=f"line {i + 1}",
            )
        if raws:
            raws[-1].lines.append(_unindent(line, raws[-1].indent))
        elif line.strip():
            raise FormatError(
                "expected a claim header such as '1. Thesis:'",
                location=f"line {i + 1}",
            )
    _check_not_cut(lines, raws)
    return raws, len(lines)


def _unindent(line: str, indent: int) -> str:
    """A text line without its claim's indentation (the rest is text)."""
    spaces = len(line) - len(line.lstrip(" "))
    return line[min(spaces, indent) :]


def _check_not_cut(lines, raws) -> None:
    """A file cut off as its ``Sources:`` line began ends in "Sourc"; that
    is not the last line of a claim."""
    last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip()), None)
    if last is None or not raws:
        return
    tail = lines[last].strip().lower()
    if tail != "sources:" and "sources:".startswith(tail) and len(tail) >= 3:
        raise FormatError(
            f"the file ends in '{lines[last].strip()}': cut off where the "
            "Sources: section begins",
            location=f"line {last + 1}",
        )


@dataclass
class _Footnote:
    ref: str
    excerpt: list[str]
    line: int


def _sources(lines, start) -> dict[str, _Footnote]:
    """``[n] URL`` lines, each with an optional excerpt in quotes, which may
    run over several lines (kept as they are) up to its closing quote."""
    notes: dict[str, _Footnote] = {}
    last = None
    i = start
    while i < len(lines):
        line = lines[i].strip(" ")
        i += 1
        if not line.strip():
            continue
        match = _SOURCE_LINE.match(line)
        if match:
            ref, excerpt = match[2].strip(), None
            opened = re.match(r'^(\S+?)\s+"(.*)$', ref, re.DOTALL)
            if opened:
                ref, parts = opened[1], [opened[2]]
                while not parts[-1].endswith('"'):
                    if i >= len(lines):
                        raise FormatError(
                            f"the excerpt of footnote [{match[1]}] has no closing "
                            "quote: the file is cut off",
                            location=f"line {i}",
                        )
                    parts.append(lines[i])
                    i += 1
                excerpt = "\n".join(parts)[:-1]
            if not ref:
                raise FormatError(
                    f"footnote [{match[1]}] names no source", location=f"line {i}"
                )
            if match[1] in notes:
                raise FormatError(
                    f"footnote [{match[1]}] appears twice", location=f"line {i}"
                )
            ref = _URL_ESCAPE.sub(r"\1", ref) if "\\" in ref else ref
            last = notes[match[1]] = _Footnote(ref, [excerpt] if excerpt else [], i)
        elif last is not None:
            # A line after a footnote goes on with its excerpt.
            last.excerpt.append(line.lstrip(">").strip().strip('"'))
        else:
            raise FormatError(
                "expected '[n] URL' in the Sources section", location=f"line {i}"
            )
    return notes


def _document(title: str, raws: list[_Raw], notes: dict[str, _Footnote]):
    if not raws:
        raise FormatError("no claims found", location="line 1")
    # One source per distinct URL (or title); its text holds every excerpt.
    sources: dict[str, DocSource] = {}
    quote_of: dict[str, tuple[str, str]] = {}
    for number, note in notes.items():
        source = sources.get(note.ref)
        excerpt = "\n".join(part for part in note.excerpt if part)
        if source is None:
            try:
                _is_url(note.ref)
                url = note.ref if len(note.ref) <= 1000 else ""
            except ValidationError:
                url = ""
            key = _free_key(note.ref, {s.key for s in sources.values()})
            source = sources[note.ref] = DocSource(
                key=key, title=note.ref[:300], text="", url=url
            )
        # A footnote without an excerpt cites the reference itself.
        piece = excerpt or note.ref
        if piece not in source.text:
            source.text = f"{source.text}\n\n{piece}" if source.text else piece
        quote_of[number] = (note.ref, piece)

    by_path: dict[str, DocClaim] = {}
    links: list[tuple[DocClaim, str, int]] = []
    theses: list[DocClaim] = []
    question_root: DocClaim | None = None
    for raw in raws:
        path = _normalise_path(raw.path)
        where = f"line {raw.line}"
        if path in by_path:
            raise FormatError(f"claim {path}. appears twice", location=where)
        depth = path.count(".") + 1
        if depth > MAX_DEPTH + (1 if question_root else 0):
            raise FormatError(
                f"claims nested deeper than {MAX_DEPTH} levels", location=where
            )
        body = _text_of(raw.lines)
        parent_path = path.rsplit(".", 1)[0] if "." in path else ""
        parent = by_path.get(parent_path) if parent_path else None
        if parent_path and parent is None:
            raise FormatError(
                f"claim {path}. comes before its parent {parent_path}.", location=where
            )
        is_thesis = parent is None or parent is question_root
        if parent is None and raw.label == "question":
            if theses or question_root is not None:
                raise FormatError("a Question must be the first claim", location=where)
            question_root = DocClaim(key=path, text=_clean(body, where, {}, [])[0])
            by_path[path] = question_root
            continue
        if not is_thesis and raw.label not in ("pro", "con"):
            raise FormatError(
                f"claim {path}. needs a Pro: or Con: label", location=where
            )
        see = _SEE.match(body)
        if see:
            if is_thesis:
                raise FormatError("a thesis cannot be a link", location=where)
            claim = DocClaim(key=path, stance=raw.label)
            links.append((claim, _normalise_path(see[1]), raw.line))
        else:
            text, citations = _clean(body, where, quote_of, sources)
            claim = DocClaim(
                key=path,
                text=text,
                stance="" if is_thesis else raw.label,
                citations=citations,
            )
        by_path[path] = claim
        if is_thesis:
            theses.append(claim)
        else:
            parent.children.append(claim)
    for claim, target_path, line in links:
        target, seen = by_path.get(target_path), {claim.key}
        while target is not None and target.link_key:
            if target.key in seen:
                target = None
                break
            seen.add(target.key)
            target = by_path.get(target.link_key)
        if target is None or target is question_root:
            raise FormatError(
                f"'-> See {target_path}.' points at no claim", location=f"line {line}"
            )
        claim.link_key = target.key
    if not theses:
        raise FormatError("no thesis found", location=f"line {raws[0].line}")

    # Places follow the numbers, not the order of the lines.
    def place(claim: DocClaim) -> int:
        return int(claim.key.rsplit(".", 1)[-1])

    theses.sort(key=place)
    for claim in by_path.values():
        claim.children.sort(key=place)
    question = question_root.text if question_root else title
    if not question:
        question = theses[0].text
    return DebateDocument(
        question=question, sources=list(sources.values()), theses=theses
    )


def _free_key(ref: str, taken: set[str]) -> str:
    bare = re.sub(r"^\w+://(www\.)?", "", ref)
    base = slugify(re.sub(r"[^\w]+", "-", bare))[:60].strip("-") or "source"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def _text_of(lines: list[str]) -> str:
    """A claim's lines as its text: blank lines around it go (they part the
    claims), everything else stays as written."""
    parts = list(lines)
    while parts and not parts[-1].strip():
        parts.pop()
    while parts and not parts[0].strip():
        parts.pop(0)
    return "\n".join(parts)


def _clean(body: str, where: str, quote_of, sources) -> tuple[str, list]:
    """Each footnote marker (kept where it stands) is a citation, in the
    order of the markers; escaped brackets lose the backslash."""
    citations = []
    if quote_of and "[" in body:
        seen = set()
        for match in _MARKER.finditer(body):
            found = quote_of.get(match[1])
            if found is None or match[1] in seen:
                continue  # not a footnote we know: text; or cited already
            seen.add(match[1])
            ref, excerpt = found
            citations.append(DocCitation(source_key=sources[ref].key, quote=excerpt))
    text = _ESCAPED.sub(r"\1", body) if "\\" in body else body
    return check_text(text, where), citations


# --- Writing ---------------------------------------------------------------------


def _escape(text: str) -> str:
    """Escape brackets as the older form does, but keep Markdown links and
    footnote markers."""
    out, last = [], 0
    for match in _KEEP.finditer(text):
        out.append(re.sub(r"([\[\]()])", r"\\\1", text[last : match.start()]))
        out.append(match[0])
        last = match.end()
    out.append(re.sub(r"([\[\]()])", r"\\\1", text[last:]))
    return "".join(out)


class _Footnotes:
    """Footnote numbers for the export. A marker keeps its number when that
    number means the same citation everywhere (an imported file comes out as
    it came in); otherwise it gets a fresh one, above every number in use."""

    def __init__(self, document: DebateDocument):
        self.cited: dict[int, tuple[str, str]] = {}
        used = [0]
        for text in [document.question, *(c.text for c in document.claims())]:
            used += [int(n) for n in _MARKER.findall(text)]
        self.next = max(used) + 1

    def number(self, wanted: int | None, cited: tuple[str, str]) -> int:
        if wanted is not None and self.cited.get(wanted, cited) == cited:
            self.cited[wanted] = cited
            return wanted
        n, self.next = self.next, self.next + 1
        self.cited[n] = cited
        return n

    def place(self, text: str, citations: list[tuple[str, str]]) -> str:
        """``text`` with its markers numbered: the k-th distinct marker is the
        k-th citation; citations without a marker go at the end."""
        mine: dict[str, int] = {}
        pending = list(citations)

        def renumber(match):
            if match[1] not in mine:
                if not pending:
                    return match[0]  # a marker with no citation: text
                mine[match[1]] = self.number(int(match[1]), pending.pop(0))
            return f"[{mine[match[1]]}]"

        text = _MARKER.sub(renumber, text) if "[" in text else text
        for cited in pending:
            text += f" [{self.number(None, cited)}]"
        return text


def write_kialo(document: DebateDocument, *, generation: str = "newer") -> str:
    """The document as Kialo text (``generation``: "newer" or "older")."""
    return "".join(iter_kialo(document, generation=generation))


def iter_kialo(document: DebateDocument, *, generation: str = "newer") -> Iterator[str]:
    """``write_kialo`` line by line."""
    if generation not in ("newer", "older"):
        raise ValueError(f"unknown Kialo generation {generation!r}")
    return text_lines(_kialo_lines(document, newer=generation == "newer"))


def _kialo_lines(document: DebateDocument, *, newer: bool) -> Iterator[str]:
    sources = {source.key: source for source in document.sources}
    footnotes = _Footnotes(document)
    paths: dict[str, str] = {}
    last = [""]  # the line written last (a blank line goes before "Sources:")

    def lines(entry: list[str]) -> list[str]:
        last[0] = entry[-1]
        return entry

    # A marker in the question refers to a source no claim cites (the
    # question has no citations of its own), in the order of the sources.
    cited_keys = {c.source_key for claim in document.claims() for c in claim.citations}
    uncited = [s for s in document.sources if s.key not in cited_keys]
    question_markers = list(dict.fromkeys(_MARKER.findall(document.question)))
    question = footnotes.place(
        document.question,
        [(s.key, _first_part(s)) for s in uncited[: len(question_markers)]],
    )
    if newer:
        yield from lines(["Discussion Name:", question, ""])
    else:
        yield from lines([f"Discussion Title: {question}", ""])

    several = len(document.theses) != 1
    if several:
        yield from lines(_entry("1", "Question", question, 0, newer))
    prefix = "1." if several else ""

    def number(claim: DocClaim, path: str, depth: int):
        paths[claim.key] = path
        for position, child in enumerate(claim.children, start=1):
            number(child, f"{path}.{position}", depth + 1)

    for rank, thesis in enumerate(document.theses, start=1):
        number(thesis, f"{prefix}{rank}" if several else "1", 1)

    def text_of(claim: DocClaim) -> str:
        if claim.link_key:
            return f"-> See {paths[claim.link_key]}."
        text = _escape(claim.text) if not newer else claim.text
        return footnotes.place(text, [(c.source_key, c.quote) for c in claim.citations])

    later: list[tuple[DocClaim, int]] = []

    def emit(claim: DocClaim, depth: int):
        if claim.link_key and not newer:
            # One-pass readers (arguebuf) need a link's target above it.
            later.append((claim, depth))
            return
        label = claim.stance.capitalize() if claim.stance else "Thesis"
        yield from lines(_entry(paths[claim.key], label, text_of(claim), depth, newer))
        for child in claim.children:
            yield from emit(child, depth + 1)

    for thesis in document.theses:
        yield from emit(thesis, 1 if several else 0)
    for claim, depth in later:
        yield from lines(
            _entry(
                paths[claim.key],
                claim.stance.capitalize(),
                text_of(claim),
                depth,
                newer,
            )
        )
    # No source is left out: the ones nothing cites get numbers too.
    for source in uncited[len(question_markers) :]:
        footnotes.number(None, (source.key, _first_part(source)))
    if footnotes.cited:
        if last[0] != "":
            yield ""
        yield "Sources:"
        for n, (key, quote) in sorted(footnotes.cited.items()):
            source = sources.get(key)
            ref = (source.url or source.title) if source else key
            excerpt = "" if quote == ref else quote  # it cites the reference
            yield f'[{n}] {ref} "{excerpt}"' if excerpt else f"[{n}] {ref}"


def _first_part(source: DocSource) -> str:
    """What a footnote to a source no claim cites quotes: its reference when
    its text holds it (as an import made it), else its whole text."""
    ref = source.url or source.title
    return ref if ref in source.text.split("\n\n") else source.text


def _entry(path: str, label: str, text: str, depth: int, newer: bool) -> list[str]:
    if not newer:
        if label in ("Pro", "Con"):
            return [f"{path}. {label}: {text}"]
        if label == "Thesis" and path == "1":
            return [f"{path}. {text}"]
        return [f"{path}. {label}: {text}"]
    indent = "  " * depth
    lines = [f"{indent}{path}. {label}:"]
    lines += [f"{indent}{line}" if line else "" for line in text.split("\n")]
    return [*lines, ""]
