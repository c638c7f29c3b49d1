"""Steps every API's suite takes that no API owns: routing-table calls, the kit's stand-in ids,
response bodies, fresh ids and drawn metadata.

On a server, resources (datasets, shields, benchmarks, scoring functions) reach a provider
through its private protocol: the routing table calls ``register_x(resource)`` when one is
registered and ``unregister_x(identifier)`` when it is removed. The suites make the same
calls through ``routing_call``. A provider without the member fails the check that needs
it with what the server would do instead (an AttributeError behind a 500), at the level the
structural suite judges that absence.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.behaviour.judge import kit_frames_hidden
from llama_conformance.behaviour.uploads import spooled_upload
from llama_conformance.checks import MEMBER_CALLABLE, CheckRef, finding
from llama_conformance.engine_checks import TYPED_ERROR
from llama_conformance.harness.build import provider_id
from llama_conformance.strategies.alphabet import WIRE_CHARACTERS
from llama_conformance.structural import absence_check

__tracebackhide__ = kit_frames_hidden  # a check's failure shows from the suite's line down

# The kit's sample dataset (``fixtures/reference/datasets.py``): what the reference
# datasetio dependency serves, so a benchmark can name rows without a server.
KIT_DATASET_ID = "kit-qa"
KIT_SCORING_FN = "kit::equality"


METADATA = st.dictionaries(st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=8),
                           st.text(WIRE_CHARACTERS, max_size=16).filter(lambda s: "\x00" not in s), max_size=3)


def routing_call(kit: Kit, name: str, *args: Any, check_id: CheckRef) -> Outcome:
    """Call private member ``name`` positionally, as the server's routing table does.

    A member the provider lacks (or that is not callable) fails ``check_id`` at the level of the
    structural check that judges the same defect (``absence_check``, ``structure.member.callable``),
    so the structural and behavioural suites never report one defect at two levels.
    """
    member = kit.member(name)  # skips over HTTP: private members have no route
    attribute = getattr(kit.put.impl, name, None)
    if not callable(attribute):
        structural = absence_check(member) if attribute is None else MEMBER_CALLABLE
        has, act = ("has no", "add it") if attribute is None else ("has a non-callable", "make it a method")
        message = (f"the provider {has} `{name}`; the server's routing table calls "
                   f"{name}({', '.join(type(a).__name__ for a in args)}) anyway ({member.protocol}), which then "
                   f"fails (a 500). The provider's maintainer must {act}.")
        kit.judge.take([finding(check_id, message, structural.level)])
        pytest.skip(f"not checked further: {message}")  # reached only when that level does not fail
    return kit.call(member, *args)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def owner(kit: Kit) -> str:
    """The provider id a run config would give the provider under test."""
    return provider_id(kit.put.entry)


def refused_cleanly(kit: Kit, outcome: Outcome, check_id: CheckRef) -> bool:
    """For drawn requests: True if the call was refused with a client error; a 5xx fails
    ``call.typed-error`` and ``check_id`` together. False when it answered."""
    kit.judge.no_hang(outcome)
    if outcome.error is None:
        return False
    answer = outcome.answer
    if answer is not None and not answer.server_error:
        return True
    message = (f"{outcome.member} raised {outcome.describe_error()} on a drawn request: the server turns that "
               "into a 5xx. Raise ValueError or the API package's typed error for input it cannot handle.")
    kit.judge.take([finding(TYPED_ERROR, message), finding(check_id, message)])
    return True


def response_bytes(kit: Kit, response: Any) -> bytes | None:
    """The body of a Starlette response: ``body``, or a streamed ``body_iterator`` drained on the gate."""
    body = getattr(response, "body", None)
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    iterator = getattr(response, "body_iterator", None)
    if iterator is None:
        return None

    async def drain() -> bytes:
        parts = []
        async for part in iterator:
            parts.append(part.encode() if isinstance(part, str) else bytes(part))
        return b"".join(parts)

    return kit.put.gate.run("files.openai_retrieve_file_content (body)", drain)


def store_in_files(kit: Kit, content: bytes, filename: str, mime: str, *, for_api: str) -> str:
    """Put ``content`` in the files API the provider reads file ids from; its file id.

    In-process that is the files provider the kit built as the provider's dependency; against
    a deployment, the deployment's files API. A provider without one cannot be given a file
    id at all, so the test is skipped, saying so.
    """
    if kit.session.options.stack_url:
        put = kit.session.put_for("files")
        impl, gate = put.impl, put.gate
    else:
        impl, gate = kit.session.put.dependencies.get("files"), kit.session.put.gate
    if impl is None:
        pytest.skip(f"the provider has no files dependency, so a {for_api} test cannot give it a file id")
    upload = spooled_upload(content, filename, mime)
    if getattr(kit.api, "UploadFileRequest", None) is None:  # llama-stack 0.2: openai_upload_file(file, purpose)
        purpose = kit.api.OpenAIFilePurpose("assistants")
        created = gate.run(f"files.openai_upload_file (for {for_api})",
                           lambda: impl.openai_upload_file(file=upload, purpose=purpose))
    else:
        request = kit.api.UploadFileRequest(purpose="assistants")
        created = gate.run(f"files.openai_upload_file (for {for_api})",
                           lambda: impl.openai_upload_file(request, upload))
    return str(created.id)
