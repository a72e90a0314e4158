import json

import numpy as np
import pytest

from deliberation.analysis.matrix import build_vote_matrix
from deliberation.analysis.pipeline import AnalysisResult, analyse


def planted(n=60, n_claims=14, seed=0):
    """Two camps with string ids; claim "c0" is agreed by everyone, the
    others split the camps."""
    rng = np.random.default_rng(seed)
    votes = []
    for u in range(n):
        camp = u % 2
        for c in range(n_claims):
            if c and rng.random() < 0.2:
                continue
            agree = rng.random() < (
                0.95 if c == 0 else (0.9 if (c + camp) % 2 else 0.1)
            )
            votes.append((f"user-{u}", f"c{c}", 1 if agree else -1))
    return votes


def test_analyse_finds_the_camps_and_keeps_the_original_ids():
    # given
    votes = planted()

    # when
    result = analyse(votes, moderated_out=["c13"])

    # then
    assert isinstance(result, AnalysisResult)
    assert result.k == 2
    camps = [{m for m in members} for members in result.groups.values()]
    even = {f"user-{u}" for u in range(0, 60, 2)}
    odd = {f"user-{u}" for u in range(1, 60, 2)}
    assert sorted(camps, key=len) in ([even, odd], [odd, even])
    assert set(result.clustered) == even | odd
    assert set(result.projections) == even | odd
    assert result.moderated_out == ["c13"]
    assert result.n_votes == len(votes)
    assert "c0" in result.common_ground
    assert result.consensus["agree"][0].claim == "c0"
    assert result.gac["c0"] > 0.8
    assert set(result.timings) == {"matrix", "opinion", "bridging"}
    assert result.seconds >= sum(result.timings.values()) - 1e-9


def test_moderated_out_claims_are_never_selected():
    votes = planted()

    result = analyse(votes, moderated_out=["c0", "c1", "c2"])

    chosen = {e.claim for entries in result.repness.values() for e in entries}
    chosen |= {e.claim for entries in result.consensus.values() for e in entries}
    chosen |= set(result.common_ground) | set(result.bridging)
    assert chosen.isdisjoint({"c0", "c1", "c2"})
    assert result.claim_projections["c0"] == (0.0, 0.0)


def test_as_dict_is_json_and_keeps_id_types():
    votes = [(u, 1, 1) for u in range(5)]
    votes += [(u, c, 1 if (u + c) % 3 else -1) for u in range(30) for c in range(2, 12)]

    result = analyse(votes)

    snapshot = json.loads(json.dumps(result.as_dict(), allow_nan=False))

    assert snapshot["version"] == 1
    assert snapshot["participants"] == 30
    assert snapshot["claims"] == 11
    assert snapshot["votes"] == result.n_votes
    assert snapshot["k"] == result.k == len(snapshot["groups"])
    assert all(isinstance(p, int) for g in snapshot["groups"] for p in g["members"])
    assert {r["participant"] for r in snapshot["participant_projections"]} == set(
        range(30)
    )
    stats = {row["claim"]: row for row in snapshot["claim_stats"]}
    assert set(stats) == set(range(1, 12))
    assert stats[1]["gac"] == result.gac[1]
    assert snapshot["repness"][0]["claims"][0].keys() >= {
        "claim",
        "direction",
        "repness",
        "repness_test",
        "best_agree",
    }


def test_same_votes_same_result_in_any_order():
    votes = planted(seed=3)

    first = analyse(votes)
    again = analyse(list(reversed(votes)))

    assert first.groups == again.groups
    assert first.repness == again.repness
    assert first.common_ground == again.common_ground
    assert first.as_dict()["claim_stats"] == again.as_dict()["claim_stats"]


def test_analyse_keeps_in_participants_from_a_previous_snapshot():
    votes = planted(seed=2) + [("newcomer", "c1", 1)]

    assert "newcomer" not in analyse(votes).clustered
    kept = analyse(votes, keep_in=["newcomer", "unknown"])
    assert "newcomer" in kept.clustered
    assert any("newcomer" in members for members in kept.groups.values())


def test_analyse_accepts_a_built_matrix():
    votes = planted(seed=1)

    from_matrix = analyse(build_vote_matrix(votes))

    assert from_matrix.groups == analyse(votes).groups


def test_tiny_and_empty_inputs_do_not_fail():
    empty = analyse([])
    assert empty.groups == {} and empty.participants == []
    json.dumps(empty.as_dict(), allow_nan=False)

    one = analyse([("only", "c", 1)])
    assert one.clustered == ["only"]
    assert one.groups == {0: ["only"]}
    json.dumps(one.as_dict(), allow_nan=False)


@pytest.mark.slow
def test_the_analysis_modules_import_no_django():
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys\n"
        "import deliberation.analysis.pipeline, deliberation.formats.polis_csv\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('django', 'rest_framework', 'config')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert result.stdout.strip() == "[]"


def test_as_dict_has_each_claims_vote_counts_and_the_large_groups():
    votes = [("a", "x", 1), ("b", "x", -1), ("c", "x", 0), ("a", "y", 1)]
    data = analyse(votes, min_group_size=3).as_dict()
    counts = {
        s["claim"]: (s["agree"], s["disagree"], s["votes"]) for s in data["claim_stats"]
    }
    assert counts == {"x": (1, 1, 3), "y": (1, 0, 1)}
    assert data["min_group_size"] == 3
    assert data["large_groups"] == sum(len(g["members"]) >= 3 for g in data["groups"])


def test_polis_mode_gives_the_camps_and_a_k_smoother_to_keep():
    votes = planted()

    first = analyse(votes, mode="polis")
    again = analyse(votes, mode="polis", smoothing=first.as_dict()["k_smoothing"])

    assert sorted(map(sorted, first.groups.values())) == sorted(
        map(sorted, analyse(votes).groups.values())
    )
    assert first.as_dict()["mode"] == "polis"
    assert first.k_smoothing == {"k": 2, "candidate": 2, "wins": 0}
    assert again.k_smoothing == first.k_smoothing
    assert analyse(votes).k_smoothing is None
    with pytest.raises(ValueError, match="mode must be"):
        analyse(votes, mode="other")
