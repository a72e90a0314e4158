"""What the browser journeys share: screenshots, the record of every request,
console errors, the XSS sentinel and the axe-core accessibility check."""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from django.db import connections

from tests.npm_tools import npm_tool

ROOT = Path(__file__).resolve().parents[2]
# Every run takes the screenshots; REFRESH_SCREENSHOTS=1 writes them over the
# ones in docs/ (otherwise they go to var/, and a test run leaves git clean).
SHOTS = ROOT / (
    "docs/screenshots" if os.environ.get("REFRESH_SCREENSHOTS") else "var/screenshots"
)
VIEWPORT = {"width": 1280, "height": 900}
BLOCKING = ("serious", "critical")


def shot(page, name, *, full_page=True):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=full_page)


class Requests:
    """Every request any page makes, to prove none leaves the origin."""

    def __init__(self):
        self.urls = []

    def watch(self, context):
        context.on("request", lambda request: self.urls.append(request.url))
        return context

    def origins(self):
        return {urlsplit(url).netloc for url in self.urls}


class Console:
    """Errors a page logs (a refused inline script or style among them) and
    dialogs it opens; any dialog is dismissed so the page goes on."""

    def __init__(self):
        self.errors = []
        self.dialogs = []

    def watch(self, page):
        page.on(
            "console",
            lambda m: self.errors.append(m.text) if m.type == "error" else None,
        )
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("dialog", self._dialog)
        return page

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def csp_errors(self):
        return [e for e in self.errors if "Content Security Policy" in e]


# Payloads call window.__xss(...) (or alert): the sentinel records each call.
XSS_SENTINEL = """
window.__xssCalls = [];
Object.defineProperty(window, "__xss", {
  configurable: false,
  get() { return (...args) => window.__xssCalls.push(args.join(" ") || "1"); },
  set(value) { window.__xssCalls.push(String(value)); },
});
"""


def axe_script() -> Path:
    """axe-core's browser build, pinned in tools/axe (package-lock.json)."""
    return npm_tool("axe", "node_modules/axe-core/axe.min.js", tool="axe-core")


AXE_RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => ["serious", "critical"].includes(v.impact))
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 4).map((n) => `${n.target} ${n.html.slice(0, 120)}`),
    }));
}"""


def axe_violations(page, script: Path) -> list[dict]:
    """Serious and critical axe-core violations on the page as it is now.

    ``add_script_tag`` inserts the file as an inline script, which our CSP
    refuses: the page must be in a context made with ``bypass_csp=True``."""
    page.add_script_tag(path=str(script))
    return page.evaluate(AXE_RUN)


def off_the_loop(build):
    """``build()`` run in a thread of its own, its database connection closed
    after. Services publish live events through ``async_to_sync``, which
    refuses the thread where Playwright's event loop runs."""

    def run():
        try:
            return build()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
