"""Counterpoint's reviewable YAML debate format (see claims/demo/ai_policing.yaml).

debate: {slug, question, description}
sources: [{key, title, publisher, authors, published, url, licence_note, digest}]
theses: [{id, text, explanation?, citations: [{source, quote}], pros: [..], cons: [..]}]
A link claim is ``{id, link: <id of the claim it shows>}``.
"""

import datetime

import yaml

from claims.formats.document import (
    DebateDocument,
    DocCitation,
    DocClaim,
    DocSource,
    FormatError,
)


def parse_yaml_debate(text: str) -> DebateDocument:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        raise FormatError(f"not valid YAML: {exc}", location=where) from exc
    if not isinstance(data, dict) or "debate" not in data:
        raise FormatError("expected a mapping with a 'debate' key", location="$")
    meta = _mapping(data["debate"], "$.debate")
    document = DebateDocument(
        question=_required(meta, "question", "$.debate"),
        slug=str(meta.get("slug", "")),
        description=str(meta.get("description", "")).strip(),
    )
    for i, raw in enumerate(data.get("sources") or []):
        where = f"$.sources[{i}]"
        raw = _mapping(raw, where)
        published = raw.get("published")
        if published and not isinstance(published, datetime.date):
            raise FormatError("published must be a date (YYYY-MM-DD)", location=where)
        document.sources.append(
            DocSource(
                key=_required(raw, "key", where),
                title=_required(raw, "title", where),
                text=_required(raw, "digest", where).strip(),
                publisher=str(raw.get("publisher", "")),
                authors=[str(a) for a in raw.get("authors") or []],
                published=published or None,
                url=str(raw.get("url", "")),
                licence_note=str(raw.get("licence_note", "")),
            )
        )
    for i, raw in enumerate(data.get("theses") or []):
        document.theses.append(_claim(raw, "", f"$.theses[{i}]"))
    if not document.theses:
        raise FormatError("a debate needs at least one thesis", location="$.theses")
    return document


def _claim(raw, stance: str, where: str) -> DocClaim:
    raw = _mapping(raw, where)
    key = _required(raw, "id", where)
    if "link" in raw:
        return DocClaim(key=key, stance=stance, link_key=str(raw["link"]))
    claim = DocClaim(
        key=key,
        text=_required(raw, "text", where).strip(),
        stance=stance,
        explanation=str(raw.get("explanation", "")).strip(),
        citations=[
            DocCitation(
                source_key=_required(
                    _mapping(c, f"{where}.citations[{j}]"), "source", where
                ),
                quote=_required(c, "quote", f"{where}.citations[{j}]"),
            )
            for j, c in enumerate(raw.get("citations") or [])
        ],
    )
    for side in ("pros", "cons"):
        for j, child in enumerate(raw.get(side) or []):
            claim.children.append(_claim(child, side[:3], f"{where}.{side}[{j}]"))
    return claim


def _mapping(value, where):
    if not isinstance(value, dict):
        raise FormatError("expected a mapping", location=where)
    return value


def _required(mapping, key, where):
    value = mapping.get(key)
    if value in (None, ""):
        raise FormatError(f"'{key}' is required", location=where)
    return str(value)
