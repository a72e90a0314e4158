"""A live socket follows the debate only while its person may read it (issue
15, item 4): it is closed (4403) when a membership ends, the session logs
out, the account is erased or the debate is made private, and the per-event
path asks the rule again, so a ``comment.added`` with its HTML never reaches
a socket whose person may no longer read it, even when the notice to close
was lost. The origin check compares host and port. Real sockets: the
project's ASGI application on the in-memory channel layer."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from config.asgi import origin_allowed
from deliberation import services
from deliberation.models import Membership
from deliberation.services import privacy
from tests.factories import DebateFactory, MembershipFactory, UserFactory, make_claim
from tests.results.helpers import make_class
from tests.security import live

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
SECRET = "zqprivatecomment"
REVOKED = ("close", 4403)


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = live.LAYER


def _private_debate():
    debate = DebateFactory(visibility="private")
    moderator = MembershipFactory(debate=debate, role="moderator").user
    member = MembershipFactory(debate=debate)
    thesis = make_claim(debate, text="Cameras help.")
    return debate, moderator, member, thesis


def _comment(user, claim, body=SECRET):
    return services.comment_add(user=user, claim=claim, body=f"{body} said.").pk


async def _member_socket(debate, user):
    client = await live.run(live.signed_in, user)
    communicator, connected, _ = await live.socket_for(debate, client)
    assert connected
    await live.received(communicator)  # its own arrival
    return communicator, client


def _events(frames):
    return [f if isinstance(f, tuple) else f["event"] for f in frames]


async def test_a_removed_member_is_closed_and_sent_no_more_comments():
    debate, moderator, member, thesis = await live.run(_private_debate)
    socket, _ = await _member_socket(debate, member.user)
    first = await live.run(_comment, moderator, thesis, "zqbefore")
    assert _events(await live.received(socket)) == ["comment.added"]

    await live.run(
        services.member_remove,
        user=moderator,
        membership=member,
        reason="Repeatedly off topic.",
    )
    after = await live.received(socket)
    await live.run(_comment, moderator, thesis)

    assert after == [REVOKED]
    assert await socket.receive_nothing(timeout=0.3)
    assert first > 0
    member_row = await live.run(Membership.objects.get, pk=member.pk)
    assert member_row.status == Membership.Status.REMOVED


async def test_the_per_event_path_asks_again_when_the_notice_was_lost():
    """The membership ends without any notice to the socket (a row changed
    directly, or the notice dropped): the next comment is not sent."""
    debate, moderator, member, thesis = await live.run(_private_debate)
    socket, _ = await _member_socket(debate, member.user)
    await live.run(
        Membership.objects.filter(pk=member.pk).update,
        status=Membership.Status.REMOVED,
    )

    await live.run(_comment, moderator, thesis)
    frames = await live.received(socket)

    assert frames == [REVOKED]
    assert SECRET not in repr(frames)


async def test_count_events_ask_again_after_the_recheck_interval(settings):
    settings.LIVE_ACCESS_RECHECK = 0
    debate, moderator, member, thesis = await live.run(_private_debate)
    socket, _ = await _member_socket(debate, member.user)
    await live.run(
        Membership.objects.filter(pk=member.pk).update,
        status=Membership.Status.REMOVED,
    )

    await live.run(services.vote_cast, user=moderator, claim=thesis, stance="agree")

    assert await live.received(socket) == [REVOKED]


async def test_a_suspended_member_still_reads_so_the_socket_stays():
    """Suspension stops acts, not reading (docs/moderation.md): the socket
    asks the rule, which still lets the member read, and keeps following."""
    debate, moderator, member, thesis = await live.run(_private_debate)
    socket, _ = await _member_socket(debate, member.user)

    await live.run(
        services.member_suspend,
        user=moderator,
        membership=member,
        until=timezone.now() + timedelta(days=2),
        reason="Cool down for two days.",
    )
    await live.run(_comment, moderator, thesis, "zqstillread")
    frames = await live.received(socket)

    assert _events(frames) == ["comment.added"]
    assert "zqstillread" in frames[0]["body_html"]
    await socket.disconnect()


async def test_logging_out_closes_the_sockets_of_that_session_only():
    debate, moderator, member, thesis = await live.run(_private_debate)
    socket, client = await _member_socket(debate, member.user)
    other, _ = await _member_socket(debate, member.user)  # another browser
    await live.received(socket)  # the other's arrival

    response = await live.run(client.post, "/accounts/logout/")
    closed = await live.received(socket)
    await live.run(_comment, moderator, thesis, "zqafterlogout")
    kept = await live.received(other)

    assert response.status_code == 302
    assert closed == [REVOKED]
    assert await socket.receive_nothing(timeout=0.3)
    # The other session is still signed in: it follows on.
    assert _events(kept) == ["comment.added"]
    assert "zqafterlogout" in kept[0]["body_html"]
    await other.disconnect()


async def test_a_session_gone_without_a_log_out_is_asked_per_event():
    """Sessions deleted directly (an erasure, an admin): the next comment
    finds the session gone."""
    debate, moderator, member, thesis = await live.run(_private_debate)
    socket, client = await _member_socket(debate, member.user)
    await live.run(privacy.sessions_delete, [member.user.pk])

    await live.run(_comment, moderator, thesis)

    assert await live.received(socket) == [REVOKED]


async def test_erasing_the_class_closes_its_pupils_sockets():
    klass = await live.run(make_class, 2, visibility="private")
    (ann, _), (ben, _) = klass.pupils
    sockets = [(await _member_socket(klass.debate, u))[0] for u in (ann, ben)]
    teacher, _ = await _member_socket(klass.debate, klass.teacher)
    for socket in sockets:
        await live.received(socket)

    await live.run(
        privacy.class_erase,
        user=klass.teacher,
        debate=klass.debate,
        contributions="keep",
        confirm="ERASE",
    )
    await live.run(_comment, klass.teacher, klass.thesis)

    assert [await live.received(s) for s in sockets] == [[REVOKED], [REVOKED]]
    users = get_user_model().objects.filter(pk__in=[ann.pk, ben.pk])
    assert await live.run(users.count) == 0
    # The teacher's page follows on: the comment, after the pupils left.
    assert _events(await live.received(teacher))[-1] == "comment.added"
    await teacher.disconnect()


async def test_an_account_deleted_without_notice_is_asked_per_event():
    debate, moderator, member, thesis = await live.run(_private_debate)
    socket, _ = await _member_socket(debate, member.user)
    await live.run(get_user_model().objects.filter(pk=member.user.pk).delete)

    await live.run(_comment, moderator, thesis)

    assert await live.received(socket) == [REVOKED]


async def test_making_a_debate_private_closes_the_pages_of_non_members():
    debate = await live.run(DebateFactory, visibility="public")
    owner = debate.owner
    await live.run(Membership.objects.create, debate=debate, user=owner, role="owner")
    thesis = await live.run(make_claim, debate, text="Cameras help.")
    stranger = await live.run(UserFactory)
    anonymous, connected, _ = await live.socket_for(debate)
    assert connected
    outsider, _ = await _member_socket(debate, stranger)
    owner_socket, _ = await _member_socket(debate, owner)
    await live.received(anonymous)
    await live.received(outsider)

    await live.run(
        services.debate_update, user=owner, debate=debate, visibility="private"
    )
    await live.run(_comment, owner, thesis)

    assert await live.received(anonymous) == [REVOKED]
    assert await live.received(outsider) == [REVOKED]
    assert _events(await live.received(owner_socket)) == ["comment.added"]
    await owner_socket.disconnect()


@pytest.mark.parametrize(
    ("origin", "host", "allowed"),
    [
        ("http://testserver", "testserver", True),
        ("http://testserver:8000", "testserver:8000", True),
        ("https://testserver", "testserver", True),
        ("https://testserver:443", "testserver", True),
        # The same host on another port is another site.
        ("http://testserver:8001", "testserver:8000", False),
        ("http://testserver:8001", "testserver", False),
        ("http://testserver", "testserver:8000", False),
        ("http://evil.example", "testserver", False),
        ("http://evil.example", "evil.example", False),  # not an allowed host
        ("null", "testserver", False),
        ("", "testserver", False),
        ("http://testserver:99999", "testserver", False),
        # No Host header (no browser sends none): the default port only.
        ("http://testserver", "", True),
        ("http://testserver:8001", "", False),
    ],
)
async def test_origin_compares_host_and_port(origin, host, allowed):
    assert origin_allowed(origin, host) is allowed


async def test_a_trusted_origin_is_allowed_as_written(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://debates.example:8443"]

    assert origin_allowed("https://debates.example:8443", "internal:8000") is True
    assert origin_allowed("https://debates.example", "internal:8000") is False


async def test_a_socket_from_another_port_is_refused():
    debate = await live.run(DebateFactory, visibility="public")

    refused = await live.socket_for(
        debate, origin=b"http://testserver:8001", host=b"testserver:8000"
    )
    same = await live.socket_for(
        debate, origin=b"http://testserver:8000", host=b"testserver:8000"
    )

    # Refused before the debate is looked up (channels' WebsocketDenier).
    assert refused[1:] == (False, 1000)
    assert same[1] is True
    await same[0].disconnect()
