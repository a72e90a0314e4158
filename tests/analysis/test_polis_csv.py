import pytest

from deliberation.formats.polis_csv import (
    PolisComment,
    PolisExport,
    PolisFormatError,
    PolisVote,
    read_polis_export,
    write_polis_export,
)
from tests.analysis.conftest import CONVERSATIONS, conversation_dir

HEADER = "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,"
COMMENTS = (
    HEADER
    + """comment-body
1000,Thu Jan 01 00:00:01 UTC 1970,0,7,1,1,1,First comment
2000,Thu Jan 01 00:00:02 UTC 1970,1,8,0,1,-1,"A comment
over two lines, with a comma"
3000,Thu Jan 01 00:00:03 UTC 1970,2,,0,0,0,Third
"""
)

VOTES = """timestamp,datetime,comment-id,voter-id,vote
1500,x,0,7,-1
1100,x,0,7,1
1200,x,0,8,1
1300,x,1,8,-1
1300,x,1,8,0
"""

PARTICIPANTS_VOTES = """participant,group-id,n-comments,n-votes,n-agree,n-disagree,0,1,2
7,0,1,1,0,1,-1,,
8,,1,2,1,0,1,0,
"""


def write(folder, **files):
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name.replace("_", "-").replace("-csv", ".csv")).write_text(
            text, encoding="utf-8"
        )
    return folder


def test_reads_comments_and_keeps_the_latest_vote_by_timestamp(tmp_path):
    # given a re-vote: 7 voted -1 at 1500 after 1 at 1100 (listed later), and
    # 8 voted twice at the same time on comment 1 (the later row wins)
    folder = write(tmp_path / "c", comments_csv=COMMENTS, votes_csv=VOTES)

    # when
    export = read_polis_export(folder)

    # then
    assert export.comments == [
        PolisComment(0, 7, "First comment", 1, 1, 1, 1000),
        PolisComment(1, 8, "A comment\nover two lines, with a comma", -1, 0, 1, 2000),
        PolisComment(2, None, "Third", 0, 0, 0, 3000),
    ]
    assert export.votes == [
        PolisVote(7, 0, -1, 1500),
        PolisVote(8, 0, 1, 1200),
        PolisVote(8, 1, 0, 1300),
    ]
    assert export.superseded_votes == 2
    assert export.moderated_out == [1]
    assert export.group_ids == {}
    assert export.vote_triples() == [(7, 0, -1), (8, 0, 1), (8, 1, 0)]


def test_participants_votes_alone_gives_the_votes_and_polis_groups(tmp_path):
    folder = write(
        tmp_path / "c", comments_csv=COMMENTS, participants_votes_csv=PARTICIPANTS_VOTES
    )

    export = read_polis_export(folder)

    assert export.votes == [PolisVote(7, 0, -1), PolisVote(8, 0, 1), PolisVote(8, 1, 0)]
    assert export.group_ids == {7: 0}


def test_participants_votes_with_an_xid_column_is_read(tmp_path):
    text = (
        "participant,xid,group-id,n-comments,n-votes,n-agree,n-disagree,0\n"
        "3,,1,0,1,1,0,1\n"
    )
    folder = write(tmp_path / "c", comments_csv=COMMENTS, participants_votes_csv=text)

    export = read_polis_export(folder)

    assert export.votes == [PolisVote(3, 0, 1)]
    assert export.group_ids == {3: 1}


# file, text to replace (None: the whole file), replacement, location, message
BROKEN = [
    ("votes.csv", "1200,x,0,8,1", "1200,x,0,8,2", "votes.csv:4", "vote 2"),
    ("votes.csv", "1300,x,1,8,-1", "1300,x,one,8,-1", "votes.csv:5", "comment-id"),
    ("votes.csv", "1100,x,0,7,1", "1100,x,0,7", "votes.csv:3", "fields"),
    ("votes.csv", "1100,x,0,7,1", "1100,x,5,7,1", "votes.csv:3", "comment 5"),
    (
        "votes.csv",
        None,
        "timestamp,datetime,comment-id,vote\n",
        "votes.csv:1",
        "voter-id",  # (datetime may be missing: never read, see below)
    ),
    ("votes.csv", None, "", "votes.csv:1", "empty"),
    # the row after the two-line comment body starts on line 5
    ("comments.csv", ",0,0,0,Third", ",0,0,3,Third", "comments.csv:5", "moderated 3"),
    ("comments.csv", "1970,1,8,", "1970,0,8,", "comments.csv:3", "repeated"),
]


@pytest.mark.parametrize(("file", "old", "new", "location", "message"), BROKEN)
def test_a_broken_row_is_reported_with_file_and_line(
    tmp_path, file, old, new, location, message
):
    files = {"comments.csv": COMMENTS, "votes.csv": VOTES}
    files[file] = new if old is None else files[file].replace(old, new)
    folder = tmp_path / "c"
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")

    with pytest.raises(PolisFormatError) as caught:
        read_polis_export(folder)

    assert caught.value.location == location
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_votes_without_timestamps_keep_the_last_row(tmp_path):
    votes = "timestamp,datetime,comment-id,voter-id,vote\n,,0,7,1\n,,0,7,-1\n1,,0,8,1\n"
    folder = write(tmp_path / "c", comments_csv=COMMENTS, votes_csv=votes)

    export = read_polis_export(folder)

    assert export.votes == [PolisVote(7, 0, -1), PolisVote(8, 0, 1, 1)]


def test_a_folder_without_votes_is_an_error(tmp_path):
    folder = write(tmp_path / "c", comments_csv=COMMENTS)

    with pytest.raises(PolisFormatError, match="neither votes.csv"):
        read_polis_export(folder)


def test_written_export_reads_back_the_same(tmp_path):
    # given
    export = PolisExport(
        comments=[
            PolisComment(0, 7, 'Quotes " and, commas', 1, 0, 0, 1_600_000_000_000),
            PolisComment(3, None, "Line one\nline two", -1, 0, 0, None),
        ],
        votes=[
            PolisVote(7, 0, 1, 1_600_000_001_000),
            PolisVote(9, 0, -1, 1_600_000_002_000),
            PolisVote(9, 3, 0, 1_600_000_003_000),
        ],
        group_ids={9: 1},
    )

    # when
    paths = write_polis_export(tmp_path / "out", export)
    back = read_polis_export(tmp_path / "out")

    # then agrees/disagrees are recomputed from the votes
    assert [p.name for p in paths] == [
        "comments.csv",
        "votes.csv",
        "participants-votes.csv",
    ]
    assert back.comments == [
        PolisComment(0, 7, 'Quotes " and, commas', 1, 1, 1, 1_600_000_000_000),
        PolisComment(3, None, "Line one\nline two", -1, 0, 0, None),
    ]
    assert back.votes == export.votes
    assert back.group_ids == {9: 1}
    rows = (tmp_path / "out" / "participants-votes.csv").read_text().splitlines()
    assert rows == [
        "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0,3",
        "7,,1,1,1,0,1,",
        "9,1,0,2,0,1,-1,0",
    ]
    votes_csv = (tmp_path / "out" / "votes.csv").read_text().splitlines()
    assert votes_csv[:2] == [
        "timestamp,datetime,comment-id,voter-id,vote",
        "1600000001000,Sun Sep 13 12:26:41 UTC 2020,0,7,1",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("name", CONVERSATIONS)
def test_real_exports_votes_csv_agrees_with_participants_votes_csv(name, tmp_path):
    # given the real export, and a copy without votes.csv
    folder = conversation_dir(name)
    export = read_polis_export(folder)
    only_pv = tmp_path / name
    only_pv.mkdir()
    for file in ("comments.csv", "participants-votes.csv"):
        (only_pv / file).write_bytes((folder / file).read_bytes())

    # when
    from_pv = read_polis_export(only_pv)

    # then the latest votes are exactly the matrix Pol.is exported
    assert sorted(export.vote_triples()) == sorted(from_pv.vote_triples())
    assert export.group_ids == from_pv.group_ids
    assert len(export.group_ids) > 0
    assert len(export.comments) == len({c.id for c in export.comments})


# ----------------------------------------- every export generation (issue 21)

COMMENTS_2024 = """timestamp,comment-id,author-id,agrees,disagrees,moderated,\
comment-body,is-seed,is-meta
1000,0,7,1,1,1,First comment,true,false
2000,1,8,0,1,0,Is this the right question?,false,true
3000,2,,0,0,-1,Third,,
"""


def test_comments_without_datetime_and_with_is_meta_and_is_seed_are_read(tmp_path):
    folder = write(tmp_path / "c", comments_csv=COMMENTS_2024, votes_csv=VOTES)

    export = read_polis_export(folder)

    assert export.comments == [
        PolisComment(0, 7, "First comment", 1, 1, 1, 1000, is_seed=True),
        PolisComment(1, 8, "Is this the right question?", 0, 0, 1, 2000, is_meta=True),
        PolisComment(2, None, "Third", -1, 0, 0, 3000),
    ]
    assert export.meta == [1]
    assert export.moderated_out == [2]
    assert len(export.votes) == 3


def test_votes_without_datetime_are_read(tmp_path):
    votes = "timestamp,comment-id,voter-id,vote\n1500,0,7,-1\n1200,0,8,1\n"
    folder = write(tmp_path / "c", comments_csv=COMMENTS, votes_csv=votes)

    assert read_polis_export(folder).votes == [
        PolisVote(7, 0, -1, 1500),
        PolisVote(8, 0, 1, 1200),
    ]


def test_an_unreadable_is_meta_names_file_and_line(tmp_path):
    broken = COMMENTS_2024.replace("false,true", "false,maybe")
    folder = write(tmp_path / "c", comments_csv=broken, votes_csv=VOTES)

    with pytest.raises(PolisFormatError) as caught:
        read_polis_export(folder)

    assert caught.value.location == "comments.csv:3"
    assert "is-meta 'maybe' is neither true nor false" in str(caught.value)


def test_written_comments_carry_is_seed_and_is_meta(tmp_path):
    export = PolisExport(
        comments=[PolisComment(0, 7, "About this debate", 1, is_meta=True)],
        votes=[PolisVote(7, 0, 1, 1000)],
    )

    write_polis_export(tmp_path / "out", export)

    rows = (tmp_path / "out" / "comments.csv").read_text().splitlines()
    assert rows == [
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,"
        "comment-body,is-seed,is-meta",
        ",,0,7,1,0,1,About this debate,false,true",
    ]
    assert read_polis_export(tmp_path / "out").meta == [0]
