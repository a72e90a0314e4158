"""Our exports read by the formats' own tools: @argdown/cli (npm) and arguebuf
(PyPI), with the same numbers of claims and relations."""

import io
import json
import subprocess

import arguebuf.load
import pytest

from claims.formats.aif import write_aif
from claims.formats.argdown import write_argdown
from claims.formats.kialo import parse_kialo, write_kialo
from tests.interchange.conftest import sample
from tests.interchange.helpers import generated


def _counts(document):
    claims = [c for c in document.claims() if not c.link_key]
    relations = [c for c in document.claims() if c.stance]
    return len(claims), len(relations)


def _argdown_json(cli, tmp_path, text):
    path = tmp_path / "debate.argdown"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [str(cli), "json", str(path), "--stdout", "--silent"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("which", ["demo", "sample", "generated"])
def test_argdown_cli_parses_our_export_and_keeps_claims_and_relations(
    argdown_cli, tmp_path, demo_document, which
):
    document = {
        "demo": lambda: demo_document,
        "sample": lambda: parse_kialo(sample("kialo_newer.txt")),
        # Whitespace Argdown does not keep: the exact text in metadata.
        "generated": lambda: generated(3),
    }[which]()
    data = _argdown_json(argdown_cli, tmp_path, write_argdown(document))
    claims, relations = _counts(document)
    assert len(data["statements"]) + len(data["arguments"]) == claims
    assert len(data["statements"]) == len(document.theses)
    assert len(data["relations"]) == relations
    kinds = sorted(r["relationType"] for r in data["relations"])
    stances = sorted(
        "support" if c.stance == "pro" else "attack"
        for c in document.claims()
        if c.stance
    )
    assert kinds == stances
    texts = sorted(
        member["text"].strip()  # Argdown keeps the space before {metadata}
        for element in [*data["statements"].values(), *data["arguments"].values()]
        for member in element["members"]
        if member.get("text")
    )
    assert texts == sorted(
        " ".join(c.text.split()) for c in document.claims() if not c.link_key
    )
    exact = sorted(
        member.get("data", {}).get("exact", " ".join(member["text"].split()))
        for element in [*data["statements"].values(), *data["arguments"].values()]
        for member in element["members"]
        if member.get("text")
    )
    assert exact == sorted(c.text for c in document.claims() if not c.link_key)


def test_argdown_cli_rejects_broken_argdown(argdown_cli, tmp_path):
    path = tmp_path / "broken.argdown"
    path.write_text("[A]: a <b> c\n", encoding="utf-8")
    done = subprocess.run(
        [str(argdown_cli), "json", str(path), "--stdout"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "syntax error" in (done.stdout + done.stderr).lower()


@pytest.mark.parametrize("which", ["demo", "sample"])
def test_arguebuf_reads_our_aif(demo_document, which):
    document = (
        demo_document if which == "demo" else parse_kialo(sample("kialo_newer.txt"))
    )
    authors = {c.key: "ana" for c in document.claims() if not c.link_key}
    graph = arguebuf.load.aif(json.loads(write_aif(document, authors=authors)))
    assert (len(graph.atom_nodes), len(graph.scheme_nodes)) == _counts(document)


@pytest.mark.parametrize("which", ["demo", "sample"])
def test_arguebuf_reads_our_kialo_export_older_form(demo_document, which):
    document = (
        demo_document if which == "demo" else parse_kialo(sample("kialo_newer.txt"))
    )
    graph = arguebuf.load.kialo(io.StringIO(write_kialo(document, generation="older")))
    claims, relations = _counts(document)
    # Several theses hang under a Question root, which arguebuf reads as one
    # more claim with a rephrase relation to each thesis.
    extra = len(document.theses) if len(document.theses) > 1 else 0
    assert len(graph.atom_nodes) == claims + (1 if extra else 0)
    assert len(graph.scheme_nodes) == relations + extra
