"""Refresh docs/screenshots/ from a running server (default http://127.0.0.1:8000).

Usage: .venv/bin/python scripts/screenshots.py [BASE_URL]
Drives Debian's Chromium (/usr/bin/chromium) through Playwright. With
SCREENSHOT_USER and SCREENSHOT_PASSWORD set, pages are shot signed in.
"""

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SLUG = "ai-surveillance-policing"
PAGES = {
    "debate.png": f"/d/{SLUG}/",
    "source.png": f"/d/{SLUG}/sources/gt-skynet/",
    "home.png": "/",
}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        if os.environ.get("SCREENSHOT_USER"):
            page.goto(BASE + "/accounts/login/")
            page.fill("input[name=login]", os.environ["SCREENSHOT_USER"])
            page.fill("input[name=password]", os.environ["SCREENSHOT_PASSWORD"])
            page.click("button[type=submit]")
        for name, path in PAGES.items():
            page.goto(BASE + path)
            page.screenshot(path=OUT / name, full_page=False)
            print(f"{name}: {BASE + path}")
        # A claim deeper in the tree shows breadcrumbs and the expanded outline.
        page.goto(BASE + f"/d/{SLUG}/")
        page.locator(".column.con .claim-link").first.click()
        page.screenshot(path=OUT / "claim.png", full_page=False)
        page.locator(".columns").scroll_into_view_if_needed()
        page.screenshot(path=OUT / "votes.png", full_page=False)
        print(f"claim.png: {page.url}")
        browser.close()


if __name__ == "__main__":
    main()
