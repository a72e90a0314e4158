"""Uploaded files are kept only up to the import limit.

``UploadLimitHandler`` comes first in ``FILE_UPLOAD_HANDLERS``: as Django
parses a request body it counts each file's bytes and hands them to Django's
own handlers (memory, then a temporary file) only up to
``INTERCHANGE_IMPORT_MAX_BYTES``. A larger file is not kept: it arrives in
``request.FILES`` as an ``OversizeUpload`` that has its name and full size but
none of its bytes, and ``services.interchange.upload_text`` (the one size
check, for pages, the API and the import command) refuses it with its size.

The request body itself is received by the ASGI server before Django sees it;
the proxy in front caps it (docs/deployment.md).
"""

from io import BytesIO

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from deliberation.services.interchange import import_max_bytes


class OversizeUpload(UploadedFile):
    """A file larger than the limit: its name and size, none of its bytes."""

    def __init__(self, *, name, content_type, size, charset, content_type_extra):
        super().__init__(
            BytesIO(), name, content_type, size, charset, content_type_extra
        )

    def read(self, *args, **kwargs):
        raise ValueError(f"{self.name}: larger than the upload limit, not kept")

    def chunks(self, chunk_size=None):
        raise ValueError(f"{self.name}: larger than the upload limit, not kept")


class UploadLimitHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.limit = import_max_bytes()

    def receive_data_chunk(self, raw_data, start):
        # ``start``: this file's bytes before the chunk. Past the limit the
        # chunk goes no further (None stops it at this handler).
        if start + len(raw_data) > self.limit:
            return None
        return raw_data

    def file_complete(self, file_size):
        if file_size <= self.limit:
            return None  # the next handler built the file
        # The next handler's part of it (at most the limit) is dropped with
        # the handler at the end of the request.
        return OversizeUpload(
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
