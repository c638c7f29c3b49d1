"""Files API helpers for the suites: upload bytes, read content back, name the purposes.

The Files protocol takes ``UploadFile`` (FastAPI's) beside the request model and answers
content with a Starlette ``Response``; these helpers hide both so the suites and the
stateful machine speak in bytes, names and ids.
"""

from __future__ import annotations

from typing import Any

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.behaviour.uploads import spooled_upload


def upload_purposes(kit: Kit) -> list[str]:
    """Purposes an upload may name: which enum declares them is the contract's to say (package table)."""
    return kit.put.contract.package.file_upload_purposes()


def upload_file(kit: Kit, content: bytes, filename: str, purpose: str, **fields: Any) -> tuple[Outcome, Any]:
    """Upload ``content`` (``fields``: more request fields, e.g. ``expires_after``); returns the outcome
    and the request that was sent."""
    member = kit.member("openai_upload_file")
    request = kit.request(member, {"purpose": purpose, **fields})
    return kit.call_request(member, request, spooled_upload(content, filename, "application/octet-stream")), request


def by_id(kit: Kit, member_name: str, file_id: str) -> Outcome:
    return kit.ask(member_name, file_id=file_id)


def list_page(kit: Kit, **payload: Any) -> Outcome:
    return kit.ask("openai_list_files", **payload)
