"""Claims as CSV for spreadsheets (export only): one row per claim in tree
order with its number, stance, text, author's pseudonym and tallies."""

import csv
import io
from dataclasses import astuple, dataclass, fields


@dataclass
class ClaimRow:
    path: str  # Kialo-style number, "1.2.3"
    stance: str  # thesis, pro or con
    text: str
    author: str  # as the reader sees them (selectors.people); "" if deleted
    link_to: str  # for a link claim: the number of the claim it shows
    agree: int
    disagree: int
    passes: int
    impact_voters: int
    impact_mean: float | None


HEADER = [f.name if f.name != "passes" else "pass" for f in fields(ClaimRow)]
# A cell starting with one of these is a formula to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A CSV cell a spreadsheet will not run as a formula: any text (a claim,
    an author's pseudonym) starting like one is quoted away."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_claims_csv(rows: list[ClaimRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        values = list(astuple(row))
        values[-1] = "" if row.impact_mean is None else f"{row.impact_mean:.2f}"
        writer.writerow([safe_cell(value) for value in values])
    return buffer.getvalue()
