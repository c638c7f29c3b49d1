"""Files API helpers for the suites: upload bytes, read content back, name the purposes.

The Files protocol takes ``UploadFile`` (FastAPI's) beside the request model and answers
content with a Starlette ``Response``; these helpers hide both so the suites and the
stateful machine speak in bytes, names and ids.
"""

from __future__ import annotations

import io
from typing import Any

from fastapi import UploadFile
from starlette.datastructures import Headers

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome


def upload_purposes(kit: Kit) -> list[str]:
    """Purposes an upload may name: which enum declares them is the contract's to say (package table)."""
    return kit.put.contract.package.file_upload_purposes()


def upload_file(kit: Kit, content: bytes, filename: str, purpose: str, **fields: Any) -> tuple[Outcome, Any]:
    """Upload ``content`` (``fields``: more request fields, e.g. ``expires_after``); returns the outcome
    and the request that was sent."""
    member = kit.member("openai_upload_file")
    request = kit.request(member, {"purpose": purpose, **fields})
    upload = UploadFile(file=io.BytesIO(content), filename=filename, size=len(content),
                        headers=Headers({"content-type": "application/octet-stream"}))
    return kit.call_request(member, request, upload), request


def by_id(kit: Kit, member_name: str, file_id: str) -> Outcome:
    return kit.ask(member_name, file_id=file_id)


def list_page(kit: Kit, **payload: Any) -> Outcome:
    return kit.ask("openai_list_files", **payload)
