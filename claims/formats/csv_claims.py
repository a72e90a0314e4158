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
    # None: counts withheld from this reader (a team too small to count).
    agree: int | None
    disagree: int | None
    passes: int | None
    impact_voters: int | None
    impact_mean: float | None


HEADER = [f.name if f.name != "passes" else "pass" for f in fields(ClaimRow)]


def write_claims_csv(rows: list[ClaimRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        values = list(astuple(row))
        values[-1] = "" if row.impact_mean is None else f"{row.impact_mean:.2f}"
        # A leading = + - @ makes spreadsheets run a formula: quote it away.
        values[2] = "'" + row.text if row.text[:1] in ("=", "+", "-", "@") else row.text
        writer.writerow(values)
    return buffer.getvalue()
