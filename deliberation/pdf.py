"""HTML to PDF through WeasyPrint, imported only when a PDF is asked for (it
needs the system's Pango: without it the rest of the app still works).
Resources come from our static files on disk, never over the network."""

import mimetypes
import posixpath
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders


class PDFUnavailable(Exception):
    """WeasyPrint (or a library it needs) cannot be loaded here."""


@cache
def _weasyprint():
    try:
        # deferred: WeasyPrint needs the system's Pango; loaded only for a PDF
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        raise PDFUnavailable(
            f"PDF export is not available on this server: WeasyPrint could not "
            f"be loaded ({exc}). The printable report still works: print it "
            f"from the browser."
        ) from exc
    return weasyprint


def static_file(url: str) -> Path | None:
    """The file on disk behind a static URL (any host), or None."""
    path = unquote(urlsplit(url).path)
    prefix = urlsplit(settings.STATIC_URL).path
    if not path.startswith(prefix):
        return None
    relative = posixpath.normpath(path[len(prefix) :])
    if relative.startswith(("..", "/")) or relative == ".":
        return None
    root = Path(settings.STATIC_ROOT) if settings.STATIC_ROOT else None
    if root is not None and (root / relative).is_file():  # collected (hashed) names
        return root / relative
    found = finders.find(relative)
    return Path(found) if found else None


def local_fetcher():
    """A WeasyPrint URL fetcher that serves static files from disk and
    refuses everything else: a report never makes a network request."""
    weasyprint = _weasyprint()
    # deferred: WeasyPrint needs the system's Pango; loaded only for a PDF
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            found = static_file(url)
            if found is None:
                raise ValueError(f"not a local static file: {url}")
            mime = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, found.read_bytes(), headers={"Content-Type": mime}
            )

    del weasyprint  # imported above for the clear error when it is missing
    return LocalFetcher()


def html_to_pdf(html: str, *, base_url: str) -> bytes:
    """Raises PDFUnavailable when WeasyPrint cannot be loaded."""
    weasyprint = _weasyprint()
    return weasyprint.HTML(
        string=html, base_url=base_url, url_fetcher=local_fetcher()
    ).write_pdf()
