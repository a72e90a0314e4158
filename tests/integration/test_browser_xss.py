"""The XSS corpus (tests/xss_payloads.txt) entered as claims, comments
(Markdown), annotation bodies, pseudonyms and a Kialo import, then every page
that shows them opened in real Chromium: no payload runs.

Each page is read twice: once with our Content Security Policy bypassed, so
what is tested is the escaping and sanitising (the policy would hide a slip),
and once under the policy, which must then refuse nothing of ours."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from playwright.sync_api import expect

from claims.models import Claim
from deliberation import services
from deliberation.models import Debate, Membership
from tests.factories import MembershipFactory, UserFactory, make_claim, make_source
from tests.integration.browsing import (
    VIEWPORT,
    XSS_SENTINEL,
    Console,
    Requests,
    axe_script,
    axe_violations,
    off_the_loop,
)
from tests.integration.conftest import session_cookie

pytestmark = [
    pytest.mark.services,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PAYLOADS = [
    line
    for line in (Path(__file__).parents[1] / "xss_payloads.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip() and not line.startswith("# ")
]
PASSAGE = "Every payload below annotates this sentence."

# Markup in the page that would run script, whatever the payload was.
LIVE_MARKUP = """() => {
  const found = [];
  const urlAttributes = ["href", "src", "action", "formaction", "data", "xlink:href"];
  for (const el of document.querySelectorAll("main *")) {
    const ours = el.tagName === "SCRIPT" && !el.textContent.trim()
      && (el.getAttribute("src") || "").startsWith("/static/js/");
    if (!ours && ["SCRIPT", "IFRAME", "OBJECT", "EMBED", "BASE", "META", "STYLE"]
        .includes(el.tagName.toUpperCase())) {
      found.push(el.outerHTML.slice(0, 80));
    }
    for (const attr of el.attributes) {
      const value = attr.value.replace(/\\s/g, "").toLowerCase();
      if (attr.name.startsWith("on") || attr.name === "srcdoc"
          || (urlAttributes.includes(attr.name)
              && /^(javascript|data|vbscript):/.test(value))) {
        found.push(`${el.tagName} ${attr.name}=${attr.value.slice(0, 60)}`);
      }
    }
  }
  return found;
}"""


def _kialo(payloads) -> str:
    lines = [
        "Discussion Name:",
        "Imported <script>window.__xss=1</script>",
        "",
        "1. Thesis:",
        "Imported payloads stay text.",
        "",
    ]
    for n, payload in enumerate(payloads, start=1):
        lines += [f"  1.{n}. {'Pro' if n % 2 else 'Con'}:", f"  {payload}", ""]
    return "\n".join(lines)


@pytest.fixture
def corpus():
    def build():
        teacher = UserFactory(username="xss-teacher")
        debate = services.class_create(
            owner=teacher,
            start="blank",
            question="Do payloads stay text? <script>window.__xss=1</script>",
            anonymity=False,
        )
        thesis = make_claim(debate, text="Payloads stay text.", author=teacher)
        source = make_source(
            debate,
            key="corpus",
            title="<img src=x onerror=window.__xss=1>",
            text=f"{PASSAGE} The rest is filler.",
        )
        flagger = MembershipFactory(debate=debate).user
        refused = 0
        for n, payload in enumerate(PAYLOADS):
            claim = make_claim(
                debate,
                thesis,
                stance="pro" if n % 2 else "con",
                text=payload,
                author=teacher,
            )
            comment = services.comment_add(user=teacher, claim=thesis, body=payload)
            services.annotation_add(
                user=teacher, debate=debate, source=source, quote=PASSAGE, body=payload
            )
            if n % 5 == 0:  # some reach the review queue
                services.flag_create(user=flagger, item=claim, reason="spam")
                services.flag_create(
                    user=flagger, item=comment, reason="abusive", note=payload[:200]
                )
            try:
                services.guest_join(debate=debate, pseudonym=payload)
            except ValidationError:
                refused += 1
        return teacher, debate, thesis, source, refused

    return off_the_loop(build)


def test_no_payload_runs_where_it_is_shown(browser, asgi_server, corpus):
    teacher, debate, thesis, source, refused = corpus
    # Pseudonyms are letters, digits, spaces, dots, dashes and apostrophes:
    # the quote breakouts got in, every other payload was refused.
    pseudonyms = set(
        Membership.objects.filter(debate=debate, guest=True).values_list(
            "pseudonym", flat=True
        )
    )
    assert pseudonyms == {"Robin' autofocus onfocus 'x", "Sam' onmouseover 'x"}
    assert refused == len(PAYLOADS) - 2
    requests = Requests()
    unguarded = requests.watch(browser.new_context(viewport=VIEWPORT, bypass_csp=True))
    guarded = requests.watch(browser.new_context(viewport=VIEWPORT))
    for context in (unguarded, guarded):
        context.add_init_script(XSS_SENTINEL)
        context.add_cookies([session_cookie(teacher, asgi_server)])
        context.set_default_timeout(10_000)

    # The sentinel notices a payload that does run.
    probe = unguarded.new_page()
    probe.set_content('<img src=x onerror="window.__xss=1">')
    expect(probe.locator("img")).to_have_count(1)
    probe.wait_for_function("window.__xssCalls.length === 1")
    probe.close()

    # The teacher imports a Kialo file of payloads through the import page.
    importer = guarded.new_page()
    importer.goto(f"{asgi_server}/import/")
    importer.get_by_label("Format").select_option("kialo")
    importer.get_by_label("File").set_input_files(
        files=[
            {
                "name": "payloads.txt",
                "mimeType": "text/plain",
                "buffer": _kialo(PAYLOADS).encode(),
            }
        ]
    )
    importer.get_by_role("button", name="Import").click()
    expect(importer.locator(".messages")).to_contain_text(
        f"Imported {len(PAYLOADS) + 1:,} claims into a new debate."
    )
    imported = Debate.objects.exclude(pk=debate.pk).get(owner=teacher)
    imported_thesis = Claim.objects.get(debate=imported, depth=1)
    assert Claim.objects.filter(debate=imported, text__in=PAYLOADS).count() == len(
        PAYLOADS
    )

    d, i = f"/d/{debate.slug}", f"/d/{imported.slug}"
    pages = [
        "/",
        f"{d}/",
        f"{d}/claims/{thesis.pk}/",
        f"{d}/sources/{source.key}/",
        f"{d}/sources/{source.key}/annotate/",
        f"{d}/moderation/",
        f"{d}/moderation-log/",
        f"{d}/members/",
        f"{d}/class/",
        f"{d}/summary/",
        f"{d}/report/",
        f"{d}/search/?q=window",
        f"{i}/",
        f"{i}/claims/{imported_thesis.pk}/",
    ]
    for context in (unguarded, guarded):
        console = Console()
        page = console.watch(context.new_page())
        for path in pages:
            response = page.goto(asgi_server + path)
            assert response.status == 200, path
            page.wait_for_load_state("load")
            page.mouse.move(300, 400)  # for the onmouseover kind
            page.keyboard.press("Tab")  # and the onfocus kind
            assert page.evaluate(LIVE_MARKUP) == [], path
            assert page.evaluate("window.__xssCalls") == [], path
        assert console.dialogs == []
        assert console.errors == []  # the strict policy refused nothing

    # Claims are plain text: each payload is shown as written.
    page = guarded.new_page()
    page.goto(f"{asgi_server}{d}/claims/{thesis.pk}/")
    links = page.locator(".claim-card a.claim-link")
    shown = {
        text.split(": ", 1)[1]  # after the visually hidden "Pro: " or "Con: "
        for text in links.all_text_contents()
    }
    assert shown == set(PAYLOADS)
    assert requests.origins() == {urlsplit(asgi_server).netloc}


def test_a_pseudonym_payload_is_refused_on_the_join_page(browser, asgi_server):
    def build():
        return services.class_create(
            owner=UserFactory(), start="blank", question="Who may join?"
        )

    debate = off_the_loop(build)
    console = Console()
    page = console.watch(browser.new_context(bypass_csp=True).new_page())
    page.add_init_script(XSS_SENTINEL)
    page.goto(f"{asgi_server}/join/{debate.join_code}/")
    page.get_by_label("Pseudonym").fill("<img src=x onerror=alert(1)>")
    page.get_by_role("button", name="Join").click()

    expect(
        page.get_by_text(
            "Use letters, digits, spaces, dots, dashes or apostrophes only."
        )
    ).to_be_visible()
    assert page.evaluate("window.__xssCalls") == []
    assert console.dialogs == []
    assert not Membership.objects.filter(debate=debate, guest=True).exists()
    # The refusal is announced accessibly, too.
    assert axe_violations(page, axe_script()) == []
