"""Compare debate documents format-independently."""

import re

from claims.formats.document import DebateDocument

_MARKER = re.compile(r"\s*(?<!\\)\[\d+\](?!\()")


def _norm(text: str) -> str:
    return " ".join(text.split())


def shape(
    document: DebateDocument, *, citations: bool = True, sources=None, markers=True
):
    """Every claim as (number, stance, text, number of the linked claim,
    citations as (source URL or title, quote)), in tree order. ``markers``
    False: without footnote markers (a Kialo export adds them to citing
    claims of other formats)."""
    by_key = {s.key: s for s in (sources or document.sources)}
    numbers, rows = {}, []

    def number(claim, path):
        numbers[claim.key] = path
        for position, child in enumerate(claim.children, start=1):
            number(child, f"{path}.{position}")

    for rank, thesis in enumerate(document.theses, start=1):
        number(thesis, str(rank))
    for claim in document.claims():
        cited = ()
        if citations:
            cited = tuple(
                sorted(
                    (
                        by_key[c.source_key].url or by_key[c.source_key].title,
                        _norm(c.quote),
                    )
                    for c in claim.citations
                )
            )
        rows.append(
            (
                numbers[claim.key],
                claim.stance,
                _norm(claim.text if markers else _MARKER.sub("", claim.text)),
                numbers.get(claim.link_key, ""),
                cited,
            )
        )
    return rows


def relations(document: DebateDocument):
    """Sibling order aside (AIF has none): every claim as (its parent's text,
    stance, the text it shows, whether it is a link), sorted."""
    texts = {c.key: _norm(c.text) for c in document.claims() if not c.link_key}
    rows = [("", "", _norm(t.text), False) for t in document.theses]

    def walk(claim):
        for child in claim.children:
            shown = texts[child.link_key] if child.link_key else _norm(child.text)
            rows.append((texts[claim.key], child.stance, shown, bool(child.link_key)))
            walk(child)

    for thesis in document.theses:
        walk(thesis)
    return sorted(rows)
