"""A format-neutral debate document: what every importer produces and the
import service consumes. Parsers are pure; they never touch the database."""

from dataclasses import dataclass, field
from datetime import date


class FormatError(ValueError):
    """Unreadable input; ``location`` is a line number or a JSON/YAML path."""

    def __init__(self, message: str, *, location: str = ""):
        self.message = message
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)


@dataclass
class DocCitation:
    source_key: str
    quote: str


@dataclass
class DocSource:
    key: str
    title: str
    text: str
    publisher: str = ""
    authors: list[str] = field(default_factory=list)
    published: date | None = None
    url: str = ""
    licence_note: str = ""


@dataclass
class DocClaim:
    key: str
    text: str = ""
    stance: str = ""  # "" for a thesis, else "pro" or "con"
    explanation: str = ""
    citations: list[DocCitation] = field(default_factory=list)
    children: list["DocClaim"] = field(default_factory=list)
    link_key: str = ""  # a link claim shows the claim with this key
    # A pro that restates its parent rather than supports it (AIF's MA).
    rephrase: bool = False

    def walk(self):
        """This claim and everything below it, depth first, in order. (A
        loop, not nested generators: each would pass every claim up.)"""
        stack = [self]
        while stack:
            claim = stack.pop()
            yield claim
            stack.extend(reversed(claim.children))


@dataclass
class DebateDocument:
    question: str
    slug: str = ""
    description: str = ""
    sources: list[DocSource] = field(default_factory=list)
    theses: list[DocClaim] = field(default_factory=list)

    def claims(self):
        for thesis in self.theses:
            yield from thesis.walk()
