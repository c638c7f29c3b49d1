"""Skills API helpers for the suites: build bundles, call members by skill id, read bundles back.

Skills members take the skill id (and version) as bare parameters beside their request model
and take bundles as FastAPI ``UploadFile``; these helpers hide both so the suite speaks in
names, ids and bytes. Bundles are drawn small and unique (a bundle's bytes name it), so a
content check tells versions apart.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from typing import Any

from fastapi import UploadFile

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.behaviour.steps import response_bytes
from llama_conformance.behaviour.uploads import spooled_upload
from llama_conformance.checks import CheckDef
from llama_conformance_suites.skills.checks import CREATE


def bundle(name: str, description: str = "", *, manifest: str | None = None,
           files: dict[str, str] | None = None) -> bytes:
    """A zip with a ``SKILL.md`` naming ``name`` (or exactly ``manifest``; "": none) and ``files``; each bundle
    unique. Frontmatter values are JSON strings, which YAML reads as written (colons and quotes included)."""
    front = f"name: {json.dumps(name)}\ndescription: {json.dumps(description)}"
    text = manifest if manifest is not None else f"---\n{front}\n---\nUse the kit's skill {uuid.uuid4().hex}.\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if manifest != "":
            archive.writestr("SKILL.md", text)
        for path, body in (files or {"notes.txt": uuid.uuid4().hex}).items():
            archive.writestr(path, body)
    return buffer.getvalue()


def upload(content: bytes) -> UploadFile:
    return spooled_upload(content, "skill.zip", "application/zip")


def arguments(kit: Kit, member_name: str, *args: Any) -> dict[str, Any]:
    """``args`` by the names the protocol gives them: over HTTP each one is a path, query, body or form
    part, which the kit's transport finds by name."""
    return dict(zip((p.name for p in kit.member(member_name).params), args, strict=False))


def call(kit: Kit, member_name: str, *args: Any) -> Outcome:
    """``member(<args by name>)`` on the gate (the members take bare ids, not one request model)."""
    return kit.call(kit.member(member_name), **arguments(kit, member_name, *args))


def create_skill(kit: Kit, content: bytes) -> Outcome:
    return call(kit, "create_skill", upload(content))


def new_skill(kit: Kit, name: str, description: str = "", check: CheckDef = CREATE) -> tuple[Any, bytes]:
    """A new skill and its bundle, or the test fails under ``check``."""
    content = bundle(name, description)
    return kit.accept(create_skill(kit, content), "create_skill", check), content


def add_version(kit: Kit, skill_id: str, content: bytes, *, default: bool = False) -> Outcome:
    member = kit.member("create_skill_version")
    request = kit.request(member, {"default": default})
    return call(kit, "create_skill_version", skill_id, request, upload(content))


def listing(kit: Kit, member_name: str, *ids: str, **payload: Any) -> Outcome:
    member = kit.member(member_name)
    return call(kit, member_name, *ids, kit.request(member, payload))


def update(kit: Kit, skill_id: str, version: str) -> Outcome:
    member = kit.member("update_skill")
    return call(kit, "update_skill", skill_id, kit.request(member, {"default_version": version}))


def content_of(kit: Kit, outcome: Outcome, check: CheckDef, what: str) -> bytes:
    """The bundle bytes a content member answered (``check`` fails on an error or no body)."""
    kit.judge.answered(outcome, check)
    body = response_bytes(kit, outcome.value)
    kit.judge.check(body is not None, check, f"{what} answered {type(outcome.value).__name__}, not a response "
                                            "with the bundle's bytes.")
    return body or b""


def delete(kit: Kit, skill_id: str) -> Outcome:
    return call(kit, "delete_skill", skill_id)
