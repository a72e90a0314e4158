"""Compare debate documents format-independently."""

import random
import re

from claims.formats.document import DebateDocument, DocCitation, DocClaim, DocSource

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


# Generated trees: texts with what files really hold (tabs, runs of spaces,
# NBSP, paragraphs, links, brackets, right-to-left, emoji), links, citations.
PIECES = [
    "Cars\tslow buses",
    "two  spaces",
    "no\u00a0break",
    "see [the report](https://example.org/r_(2019))",
    "brackets (round) and [square]",
    "Umlaute: Straße, Öl",
    "عربي נייטרלי",
    "emoji 🚲",
    "a colon: here",
    "50% & <less>",
]


def generated(seed: int, *, whitespace: bool = True, citations: bool = True):
    rng = random.Random(seed)
    sources = [
        DocSource(
            key=f"s{n}",
            title=f"https://example.org/s{n}",
            url=f"https://example.org/s{n}",
            text=f"Excerpt {n}, first paragraph.\n\nSecond  paragraph {n}.",
        )
        for n in range(3)
    ]
    counter = iter(range(10**6))

    def text():
        words = rng.sample(PIECES, rng.randint(1, 3))
        joined = " ".join(words)
        if whitespace and rng.random() < 0.3:
            joined += "\n\nA second paragraph."
        if not whitespace:
            joined = " ".join(joined.split())
        return f"Claim {next(counter)}: {joined}."

    claims: list[DocClaim] = []

    def grow(claim, depth, above=()):
        claims.append(claim)
        if depth >= 4:
            return
        for _ in range(rng.randint(0, 3)):
            if claims[1:] and rng.random() < 0.15:
                target = rng.choice([c for c in claims if not c.link_key])
                # A link to an ancestor would be a cycle; a second relation
                # to a child, no relation at all.
                shown = {c.link_key or c.key for c in claim.children}
                if target not in (claim, *above) and target.key not in shown:
                    claim.children.append(
                        DocClaim(
                            key=f"k{next(counter)}",
                            stance=rng.choice(["pro", "con"]),
                            link_key=target.key,
                        )
                    )
                    continue
            child = DocClaim(
                key=f"k{next(counter)}", text=text(), stance=rng.choice(["pro", "con"])
            )
            if citations and rng.random() < 0.3:
                source = rng.choice(sources)
                quote = rng.choice(source.text.split("\n\n"))
                child.citations.append(DocCitation(source_key=source.key, quote=quote))
            claim.children.append(child)
            grow(child, depth + 1, (*above, claim))

    theses = [DocClaim(key=f"t{n}", text=text()) for n in range(rng.randint(1, 2))]
    for thesis in theses:
        grow(thesis, 1)
    return DebateDocument(
        question=f"Generated question {seed}?", sources=sources, theses=theses
    )
