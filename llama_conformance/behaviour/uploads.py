"""The uploaded file a provider is handed in-process, built as the server's form parser builds it.

On a server a provider never sees a ``BytesIO``: starlette's ``MultiPartParser`` spools each file
part into a ``SpooledTemporaryFile`` (1 MiB in memory, then disk) and wraps it in an
``UploadFile``. starlette decides from that file how to serve ``await upload.read()``
(``UploadFile._in_memory`` reads the spool's ``_rolled``): in memory, a plain read; rolled to
disk, a trip to the thread pool (``run_in_threadpool``). A ``BytesIO`` has no ``_rolled``, so
starlette took the kit's uploads for files on disk and sent every ``read``, ``seek`` and
``write`` of a provider through a worker thread and back: a path no server takes for a small
upload, and 9,103 thread-pool trips in one thorough run of the skills state machine.
"""

from __future__ import annotations

from tempfile import SpooledTemporaryFile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import UploadFile

_SPOOL_BYTES = 1024 * 1024  # starlette's ``MultiPartParser.spool_max_size`` (read from it when it has one)


def spooled_upload(content: bytes, filename: str, content_type: str) -> UploadFile:
    """An ``UploadFile`` of ``content`` at its start, spooled as the server's parser spools a file part."""
    from fastapi import UploadFile
    from starlette.datastructures import Headers
    from starlette.formparsers import MultiPartParser

    # handed to the provider open, as the parser hands it (a server closes it after the request)
    spool: SpooledTemporaryFile[bytes] = SpooledTemporaryFile(  # noqa: SIM115
        max_size=getattr(MultiPartParser, "spool_max_size", _SPOOL_BYTES))
    spool.write(content)
    spool.seek(0)
    return UploadFile(file=spool, filename=filename, size=len(content),  # type: ignore[arg-type]
                      headers=Headers({"content-type": content_type}))
