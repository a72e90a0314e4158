"""Voting in real Chromium against daphne, PostgreSQL and Redis."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from claims.services import claim_create
from deliberation import services
from deliberation.models import Vote
from tests.factories import DebateFactory, UserFactory
from tests.integration.conftest import session_cookie

pytestmark = [
    pytest.mark.services,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def debate_page(asgi_server):
    debate = DebateFactory()
    thesis = claim_create(debate=debate, parent=None, text="Cameras keep cities safe.")
    pro = claim_create(debate=debate, parent=thesis, stance="pro", text="Crime fell.")
    return debate, pro, f"{asgi_server}/d/{debate.slug}/claims/{thesis.pk}/"


def test_a_vote_updates_the_tally_in_another_browser_without_reload(
    browser, asgi_server, debate_page
):
    debate, pro, url = debate_page
    voter = UserFactory()
    voter_context = browser.new_context()
    voter_context.add_cookies([session_cookie(voter, asgi_server)])
    requests = []
    voter_context.on("request", lambda request: requests.append(request.url))
    voter_page, watcher_page = (
        voter_context.new_page(),
        browser.new_context().new_page(),
    )
    voter_page.goto(url)
    watcher_page.goto(url)
    watcher_page.wait_for_timeout(500)  # let the websocket connect
    card = f"#claim-{pro.pk}"

    voter_page.locator(f"{card} button.vote.agree").click()

    expect(watcher_page.locator(f"{card} [data-field=agree]")).to_have_text("1")
    expect(voter_page.locator(f"{card} button.vote.agree")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert voter_page.url == url  # no reload: the script posted the vote
    assert list(Vote.objects.values_list("user", "claim", "stance")) == [
        (voter.pk, pro.pk, "agree")
    ]
    origin = urlsplit(asgi_server).netloc
    assert {urlsplit(r).netloc for r in requests} == {origin}


def test_without_javascript_the_vote_is_a_form_post(browser, asgi_server, debate_page):
    _, pro, url = debate_page
    voter = UserFactory()
    context = browser.new_context(java_script_enabled=False)
    context.add_cookies([session_cookie(voter, asgi_server)])
    page = context.new_page()
    page.goto(url)

    page.locator(f"#claim-{pro.pk} button.vote.disagree").click()

    expect(page.locator(f"#claim-{pro.pk} [data-field=disagree]")).to_have_text("1")
    assert page.url == f"{url}#claim-{pro.pk}"
    assert Vote.objects.get().stance == "disagree"


def test_after_its_socket_reconnects_a_page_shows_the_votes_it_missed(
    browser, asgi_server, debate_page
):
    _, pro, url = debate_page
    page = browser.new_context().new_page()
    sockets, passing = [], {"events": True}

    def route(ws):
        # Between the page and the server; events can be lost on the way.
        server = ws.connect_to_server()
        server.on_message(
            lambda message: ws.send(message) if passing["events"] else None
        )
        sockets.append(ws)

    page.route_web_socket(re.compile(r".*/ws/debates/.*"), route)
    page.goto(url)
    tally = page.locator(f"#claim-{pro.pk} [data-field=agree]")
    page.wait_for_timeout(500)  # let the websocket connect
    assert len(sockets) == 1

    # when a vote's event is lost while the page is connected
    passing["events"] = False
    services.vote_cast(user=UserFactory(), claim=pro, stance="agree")
    page.wait_for_timeout(1000)
    expect(tally).to_have_text("0")

    # and the socket then drops and live.js reconnects
    passing["events"] = True
    sockets[0].close()

    # then the page fetches itself again and shows the vote
    expect(tally).to_have_text("1", timeout=10_000)
    assert len(sockets) == 2
