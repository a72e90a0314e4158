"""Read and write Pol.is CSV exports (compdemocracy openData layout).

A folder holds ``comments.csv`` and ``votes.csv`` (every vote, re-votes
included: the latest by timestamp wins) and/or ``participants-votes.csv``
(one row per participant with the latest vote on each comment and Pol.is's
own ``group-id``). Columns are in docs FORMATS.md. Ids stay the integers of
the export, so results can be compared with Pol.is's groups.

Plain Python and ``csv``; a row that cannot be read raises
:class:`PolisFormatError` naming the file and line, and nothing is returned.
"""

import csv
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

COMMENTS = "comments.csv"
VOTES = "votes.csv"
PARTICIPANTS_VOTES = "participants-votes.csv"

COMMENT_COLUMNS = (
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "comment-body",
)
VOTE_COLUMNS = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
#: Columns an export may lack: ``datetime`` only restates ``timestamp`` (2024
#: exports leave it out of comments.csv), and older exports have no
#: ``is-meta``/``is-seed``. Never read, so never required.
OPTIONAL_COLUMNS = ("datetime", "is-meta", "is-seed")
#: Written by :func:`write_polis_export`: the generation with every column.
COMMENT_COLUMNS_WRITTEN = (*COMMENT_COLUMNS, "is-seed", "is-meta")
#: ``is-meta``/``is-seed`` values read as true (blank is false).
TRUE_VALUES = ("true", "t", "1", "yes")
PARTICIPANT_COLUMNS = (
    "participant",
    "group-id",
    "n-comments",
    "n-votes",
    "n-agree",
    "n-disagree",
)

#: ``moderated`` values: rejected comments are hidden ("moderated out").
REJECTED, UNMODERATED, ACCEPTED = -1, 0, 1


class PolisFormatError(ValueError):
    """A Pol.is file that cannot be read; ``location`` is ``"file:line"``."""

    def __init__(self, message: str, *, path: Path | str, line: int):
        self.path = Path(path)
        self.line = line
        self.location = f"{self.path.name}:{line}"
        super().__init__(f"{self.location}: {message}")


@dataclass(frozen=True)
class PolisComment:
    id: int
    author: int | None
    body: str
    moderated: int = UNMODERATED
    agrees: int = 0
    disagrees: int = 0
    timestamp: int | None = None  # milliseconds since the epoch
    #: About the conversation itself, not a position (Pol.is keeps such
    #: comments out of the clustering and shows them apart).
    is_meta: bool = False
    is_seed: bool = False  # written by the moderator to start the conversation

    @property
    def moderated_out(self) -> bool:
        return self.moderated == REJECTED


@dataclass(frozen=True)
class PolisVote:
    participant: int
    comment: int
    vote: int  # agree 1, disagree -1, pass 0
    timestamp: int | None = None  # milliseconds; None from participants-votes


@dataclass
class PolisExport:
    """A conversation: comments, the latest vote per (participant, comment),
    and Pol.is's group per participant when participants-votes.csv has it
    (participants it did not cluster are absent)."""

    comments: list[PolisComment]
    votes: list[PolisVote]
    group_ids: dict[int, int] = field(default_factory=dict)
    superseded_votes: int = 0  # re-votes dropped from votes.csv

    @property
    def moderated_out(self) -> list[int]:
        return [c.id for c in self.comments if c.moderated_out]

    @property
    def meta(self) -> list[int]:
        return [c.id for c in self.comments if c.is_meta]

    def vote_triples(self) -> list[tuple[int, int, int]]:
        return [(v.participant, v.comment, v.vote) for v in self.votes]


# ------------------------------------------------------------------ reading


def _rows(path: Path, required: Iterable[str]) -> Iterator[tuple[int, dict]]:
    """(line number of the row's first line, row) for each data row."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise PolisFormatError("the file is empty", path=path, line=1) from None
        except csv.Error as error:
            raise PolisFormatError(str(error), path=path, line=1) from None
        missing = [c for c in required if c not in header and c not in OPTIONAL_COLUMNS]
        if missing:
            raise PolisFormatError(
                f"missing column(s) {', '.join(missing)}", path=path, line=1
            )
        line = reader.line_num + 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise PolisFormatError(str(error), path=path, line=line) from None
            if values:
                if len(values) != len(header):
                    raise PolisFormatError(
                        f"{len(values)} fields where the header has {len(header)}",
                        path=path,
                        line=line,
                    )
                yield line, dict(zip(header, values, strict=True))
            line = reader.line_num + 1


def _int(row: dict, column: str, path: Path, line: int, *, blank=False) -> int | None:
    text = row[column].strip()
    if blank and text == "":
        return None
    try:
        return int(text)
    except ValueError:
        raise PolisFormatError(
            f"{column} {row[column]!r} is not an integer", path=path, line=line
        ) from None


def _choice(value: int, allowed, column: str, path: Path, line: int) -> int:
    if value not in allowed:
        raise PolisFormatError(
            f"{column} {value} is not one of {', '.join(map(str, allowed))}",
            path=path,
            line=line,
        )
    return value


def _flag(row: dict, column: str, path: Path, line: int) -> bool:
    """A true/false column that older exports lack (absent or blank: false)."""
    text = (row.get(column) or "").strip().lower()
    if text in ("", "false", "f", "0", "no"):
        return False
    if text in TRUE_VALUES:
        return True
    raise PolisFormatError(
        f"{column} {row[column]!r} is neither true nor false", path=path, line=line
    )


def read_comments(path: Path) -> list[PolisComment]:
    comments, seen = [], set()
    for line, row in _rows(path, COMMENT_COLUMNS):
        cid = _int(row, "comment-id", path, line)
        if cid in seen:
            raise PolisFormatError(f"comment-id {cid} repeated", path=path, line=line)
        seen.add(cid)
        moderated = _int(row, "moderated", path, line)
        comments.append(
            PolisComment(
                id=cid,
                author=_int(row, "author-id", path, line, blank=True),
                body=row["comment-body"],
                moderated=_choice(moderated, (-1, 0, 1), "moderated", path, line),
                agrees=_int(row, "agrees", path, line, blank=True) or 0,
                disagrees=_int(row, "disagrees", path, line, blank=True) or 0,
                timestamp=_int(row, "timestamp", path, line, blank=True),
                is_meta=_flag(row, "is-meta", path, line),
                is_seed=_flag(row, "is-seed", path, line),
            )
        )
    return comments


def _check_known(cid: int, known, path: Path, line: int) -> None:
    if known is not None and cid not in known:
        raise PolisFormatError(
            f"comment {cid} is not in {COMMENTS}", path=path, line=line
        )


def read_votes(path: Path, known=None) -> tuple[list[PolisVote], int]:
    """The latest vote (by timestamp, then by position in the file) per
    (participant, comment), in file order of those votes, and how many
    earlier votes were dropped. ``known``: the comment ids allowed."""
    latest: dict[tuple[int, int], tuple[int, int, PolisVote]] = {}
    n_rows = 0
    for position, (line, row) in enumerate(_rows(path, VOTE_COLUMNS)):
        n_rows += 1
        vote = PolisVote(
            participant=_int(row, "voter-id", path, line),
            comment=_int(row, "comment-id", path, line),
            vote=_choice(_int(row, "vote", path, line), (-1, 0, 1), "vote", path, line),
            timestamp=_int(row, "timestamp", path, line, blank=True),
        )
        _check_known(vote.comment, known, path, line)
        key = (vote.participant, vote.comment)
        held = latest.get(key)
        # A blank timestamp counts as the earliest; equal times: later row.
        order = (-1 if vote.timestamp is None else vote.timestamp, position)
        if held is None or order >= held[:2]:
            latest[key] = (*order, vote)
    kept = sorted(latest.values(), key=lambda held: held[1])
    return [held[2] for held in kept], n_rows - len(kept)


def read_participants_votes(
    path: Path, known=None
) -> tuple[list[PolisVote], dict[int, int]]:
    """Votes (without timestamps) and Pol.is's group per clustered
    participant from participants-votes.csv."""
    votes, groups, seen = [], {}, set()
    comment_columns = None
    for line, row in _rows(path, PARTICIPANT_COLUMNS):
        if comment_columns is None:
            comment_columns = []
            for column in row:
                if column in PARTICIPANT_COLUMNS or column == "xid":
                    continue
                try:
                    cid = int(column)
                except ValueError:
                    raise PolisFormatError(
                        f"column {column!r} is not a comment id", path=path, line=1
                    ) from None
                _check_known(cid, known, path, 1)
                comment_columns.append((column, cid))
        pid = _int(row, "participant", path, line)
        if pid in seen:
            raise PolisFormatError(f"participant {pid} repeated", path=path, line=line)
        seen.add(pid)
        group = _int(row, "group-id", path, line, blank=True)
        if group is not None:
            groups[pid] = group
        for column, cid in comment_columns:
            value = _int(row, column, path, line, blank=True)
            if value is not None:
                _choice(value, (-1, 0, 1), f"vote in column {column}", path, line)
                votes.append(PolisVote(participant=pid, comment=cid, vote=value))
    return votes, groups


def read_polis_export(folder: Path | str) -> PolisExport:
    """Read a Pol.is export folder. Votes come from votes.csv when present
    (latest vote wins), otherwise from participants-votes.csv; Pol.is's
    group ids are read from participants-votes.csv when present. Votes on
    comments that comments.csv does not list are an error."""
    folder = Path(folder)
    comments_path = folder / COMMENTS
    if not comments_path.is_file():
        raise PolisFormatError("file not found", path=comments_path, line=0)
    comments = read_comments(comments_path)
    known = {c.id for c in comments}
    votes_path, pv_path = folder / VOTES, folder / PARTICIPANTS_VOTES
    group_ids: dict[int, int] = {}
    superseded = 0
    if pv_path.is_file():
        pv_votes, group_ids = read_participants_votes(pv_path, known)
    if votes_path.is_file():
        votes, superseded = read_votes(votes_path, known)
    elif pv_path.is_file():
        votes = pv_votes
    else:
        raise PolisFormatError(
            f"neither {VOTES} nor {PARTICIPANTS_VOTES} found", path=votes_path, line=0
        )
    return PolisExport(
        comments=comments, votes=votes, group_ids=group_ids, superseded_votes=superseded
    )


# ------------------------------------------------------------------ writing


def _datetime(timestamp: int | None) -> str:
    if timestamp is None:
        return ""
    moment = datetime.fromtimestamp(timestamp / 1000, tz=UTC)
    return moment.strftime("%a %b %d %H:%M:%S UTC %Y")


def _blank(value) -> str:
    return "" if value is None else str(value)


def write_polis_export(folder: Path | str, export: PolisExport) -> list[Path]:
    """Write comments.csv, votes.csv and participants-votes.csv with Pol.is's
    columns. ``agrees``/``disagrees`` and the participant counts are recomputed
    from the votes; ``group-id`` comes from ``export.group_ids`` (blank for
    participants without a group). Returns the paths written."""
    folder = Path(folder)
    os.makedirs(folder, exist_ok=True)
    agrees: dict[int, int] = {}
    disagrees: dict[int, int] = {}
    for v in export.votes:
        if v.vote == 1:
            agrees[v.comment] = agrees.get(v.comment, 0) + 1
        elif v.vote == -1:
            disagrees[v.comment] = disagrees.get(v.comment, 0) + 1

    paths = [folder / COMMENTS, folder / VOTES, folder / PARTICIPANTS_VOTES]
    with paths[0].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COMMENT_COLUMNS_WRITTEN)
        for c in export.comments:
            writer.writerow(
                [
                    _blank(c.timestamp),
                    _datetime(c.timestamp),
                    c.id,
                    _blank(c.author),
                    agrees.get(c.id, 0),
                    disagrees.get(c.id, 0),
                    c.moderated,
                    c.body,
                    str(c.is_seed).lower(),
                    str(c.is_meta).lower(),
                ]
            )
    with paths[1].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(VOTE_COLUMNS)
        for v in export.votes:
            writer.writerow(
                [
                    _blank(v.timestamp),
                    _datetime(v.timestamp),
                    v.comment,
                    v.participant,
                    v.vote,
                ]
            )

    comment_ids = sorted({c.id for c in export.comments})
    by_participant: dict[int, dict[int, int]] = {}
    for v in export.votes:
        by_participant.setdefault(v.participant, {})[v.comment] = v.vote
    authored: dict[int, int] = {}
    for c in export.comments:
        if c.author is not None:
            authored[c.author] = authored.get(c.author, 0) + 1
    with paths[2].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*PARTICIPANT_COLUMNS, *map(str, comment_ids)])
        for pid in sorted(by_participant):
            cast = by_participant[pid]
            values = list(cast.values())
            writer.writerow(
                [
                    pid,
                    _blank(export.group_ids.get(pid)),
                    authored.get(pid, 0),
                    len(values),
                    values.count(1),
                    values.count(-1),
                    *(_blank(cast.get(cid)) for cid in comment_ids),
                ]
            )
    return paths
