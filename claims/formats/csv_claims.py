"""Claims as CSV for spreadsheets (export only): one row per claim in tree
order with its number, stance, text, author's pseudonym and tallies."""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields


@dataclass
class ClaimRow:
    path: str  # Kialo-style number, "1.2.3"
    stance: str  # thesis, pro or con
    text: str
    author: str  # as the reader sees them (selectors.people); "" if deleted
    link_to: str  # for a link claim: the number of the claim it shows
    # None: counts withheld from this reader (a team too small to count).
    agree: int | None
    disagree: int | None
    passes: int | None
    impact_voters: int | None
    impact_mean: float | None


FIELDS = [f.name for f in fields(ClaimRow)]
HEADER = [name if name != "passes" else "pass" for name in FIELDS]
# A cell starting with one of these is a formula to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A CSV cell a spreadsheet will not run as a formula: any text (a claim,
    an author's pseudonym) starting like one is quoted away."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file for csv.writer that hands each written row back."""

    def write(self, text: str) -> str:
        return text


def write_claims_csv(rows: Iterable[ClaimRow]) -> str:
    return "".join(iter_claims_csv(rows))


def iter_claims_csv(rows: Iterable[ClaimRow]) -> Iterator[str]:
    """The CSV one row at a time, as ``rows`` yields them."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield writer.writerow(HEADER)
    for row in rows:
        # Not dataclasses.astuple: it deep-copies each value (a third of the
        # export's time at 10,000 claims).
        values = [getattr(row, name) for name in FIELDS]
        values[-1] = "" if row.impact_mean is None else f"{row.impact_mean:.2f}"
        yield writer.writerow([safe_cell(value) for value in values])
