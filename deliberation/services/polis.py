"""Pol.is conversations in and out (docs FORMATS.md, "Pol.is CSV").

Import: comments become theses (meta comments marked ``meta``), voters
(and comment authors) become
participants that keep their original id as their pseudonym, votes are
bulk-inserted. All or nothing. Export writes the same files back.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from claims.formats.document import DebateDocument, DocClaim
from claims.models import CLAIM_TEXT_MAX, Claim
from deliberation.formats.polis_csv import (
    ACCEPTED,
    REJECTED,
    PolisComment,
    PolisExport,
    PolisVote,
    read_polis_export,
    write_polis_export,
)
from deliberation.models import Debate, Membership, Vote
from deliberation.services.debates import debate_import, unique_slug

STANCES = {1: Vote.Stance.AGREE, -1: Vote.Stance.DISAGREE, 0: Vote.Stance.PASS}
VALUES = {stance: value for value, stance in STANCES.items()}
ELLIPSIS = "…"
USERNAME_PREFIX = "polis-"


def _claim_text(body: str, cid: int) -> tuple[str, str]:
    """(text, explanation): a body longer than a claim keeps its full text in
    the explanation."""
    body = body.strip() or f"(empty comment {cid})"
    if len(body) <= CLAIM_TEXT_MAX:
        return body, ""
    return body[: CLAIM_TEXT_MAX - 1].rstrip() + ELLIPSIS, body


def _comment_body(claim: Claim) -> str:
    text = claim.text
    if text.endswith(ELLIPSIS) and claim.explanation.startswith(text[:-1]):
        return claim.explanation
    return text


def _question(folder: Path) -> str:
    summary = folder / "summary.csv"
    if summary.is_file():
        for line in summary.read_text(encoding="utf-8-sig").splitlines():
            key, _, value = line.partition(",")
            if key == "topic" and value.strip():
                return value.strip().strip('"')[:300]
    return f"Pol.is conversation {folder.name}"[:300]


@transaction.atomic
def polis_import(*, owner, folder: Path | str) -> Debate:
    """A new debate from a Pol.is export folder. Raises PolisFormatError
    (``file:line``) before anything is written when a file cannot be read."""
    folder = Path(folder)
    export = read_polis_export(folder)
    comments = sorted(export.comments, key=lambda c: c.id)
    theses = []
    for comment in comments:
        text, explanation = _claim_text(comment.body, comment.id)
        theses.append(DocClaim(key=str(comment.id), text=text, explanation=explanation))
    debate = debate_import(
        owner=owner,
        document=DebateDocument(
            question=_question(folder),
            slug=unique_slug(f"polis-{folder.name}"),
            description=f"Imported from the Pol.is export {folder.name}.",
            theses=theses,
        ),
    )
    claims = {
        int(key): pk
        for key, pk in Claim.objects.filter(debate=debate, depth=1).values_list(
            "key", "pk"
        )
    }
    hidden = [claims[cid] for cid in export.moderated_out]
    Claim.objects.filter(pk__in=hidden).update(status=Claim.Status.HIDDEN)
    # Meta comments (about the conversation) stay out of the opinion groups.
    Claim.objects.filter(pk__in=[claims[cid] for cid in export.meta]).update(meta=True)

    # Participants: every voter and comment author, in id order.
    ids = sorted(
        {v.participant for v in export.votes}
        | {c.author for c in comments if c.author is not None}
    )
    User = get_user_model()
    prefix = f"{USERNAME_PREFIX}{debate.slug}-"
    User.objects.bulk_create(
        [User(username=f"{prefix}{pid}", password=make_password(None)) for pid in ids],
        batch_size=2000,
    )
    users = dict(
        User.objects.filter(username__startswith=prefix).values_list("username", "pk")
    )
    user_of = {pid: users[f"{prefix}{pid}"] for pid in ids}
    Membership.objects.bulk_create(
        [
            Membership(debate=debate, user_id=user_of[pid], pseudonym=str(pid))
            for pid in ids
        ],
        batch_size=2000,
    )
    authored = {
        claims[c.id]: user_of[c.author] for c in comments if c.author is not None
    }
    for author in set(authored.values()):
        Claim.objects.filter(
            pk__in=[pk for pk, uid in authored.items() if uid == author]
        ).update(author_id=author)
    Vote.objects.bulk_create(
        [
            Vote(
                claim_id=claims[v.comment],
                user_id=user_of[v.participant],
                stance=STANCES[v.vote],
            )
            for v in export.votes
        ],
        batch_size=5000,
    )
    return debate


def participant_ids(debate: Debate) -> dict[int, int | str]:
    """User id -> the id shown for them in analyses and exports: the original
    Pol.is id for imported participants, else the user id."""
    labels = {}
    rows = Membership.objects.filter(debate=debate).values_list(
        "user_id", "pseudonym", "user__username"
    )
    for user_id, pseudonym, username in rows:
        imported = username.startswith(USERNAME_PREFIX) and pseudonym.isdigit()
        labels[user_id] = int(pseudonym) if imported else user_id
    return labels


def claim_ids(debate: Debate) -> dict[int, int | str]:
    """Claim pk -> the id shown for it in analyses: its key from the
    imported file (the Pol.is comment id, an integer, for Pol.is imports),
    else its pk."""
    return {
        pk: (int(key) if key.isdigit() else key) if key else pk
        for pk, key in Claim.objects.filter(debate=debate).values_list("pk", "key")
    }


def polis_export_of(debate: Debate) -> PolisExport:
    """The debate's theses and stance votes as a Pol.is export (claims keep
    their Pol.is id when they were imported, else their own id)."""
    labels = participant_ids(debate)
    theses = list(
        Claim.objects.filter(debate=debate, depth=1, link_to=None)
        .exclude(status__in=[Claim.Status.PENDING, Claim.Status.ARCHIVED])
        .order_by("path")
    )
    comment_id = {c.pk: int(c.key) if c.key.isdigit() else c.pk for c in theses}
    comments = [
        PolisComment(
            id=comment_id[c.pk],
            author=labels.get(c.author_id, c.author_id),
            body=_comment_body(c),
            moderated=REJECTED if c.status == Claim.Status.HIDDEN else ACCEPTED,
            timestamp=int(c.created.timestamp() * 1000),
            is_meta=c.meta,
        )
        for c in theses
    ]
    votes = [
        PolisVote(
            participant=labels.get(user_id, user_id),
            comment=comment_id[claim_id],
            vote=VALUES[stance],
            timestamp=int(updated.timestamp() * 1000),
        )
        for claim_id, user_id, stance, updated in Vote.objects.filter(
            claim_id__in=comment_id
        )
        .order_by("updated", "pk")
        .values_list("claim_id", "user_id", "stance", "updated")
    ]
    return PolisExport(comments=comments, votes=votes)


def polis_export(*, debate: Debate, folder: Path | str) -> list[Path]:
    return write_polis_export(folder, polis_export_of(debate))
