"""Files suite: ``expires_after`` on upload becomes ``expires_at`` on the file object.

A client that asks for a file to expire in N seconds (the OpenAI ``expires_after`` form, anchored at
``created_at``) reads the answer's ``expires_at`` to know when it must re-upload; a provider that
keeps its own default TTL instead lets files vanish early or linger. ogx's own integration test
(tests/integration/files/test_files.py ``test_expires_after``) asserts the same equality.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.errors import NotApplicable
from llama_conformance_suites.files.checks import EXPIRES_AT, RETRIEVE, UPLOAD
from llama_conformance_suites.files.helpers import by_id, upload_file, upload_purposes

pytestmark = [pytest.mark.behavioral, pytest.mark.api("files")]

# ExpiresAfter's bounds in both API packages (MIN 1 hour, MAX 30 days): the request model refuses others.
MIN_S, MAX_S = 3600, 2_592_000


@pytest.mark.checks(UPLOAD, EXPIRES_AT, RETRIEVE, *ANSWER)
def test_upload_expires_after(llama_kit: Kit) -> None:
    """files.upload.expires-at: expires_at == created_at + expires_after.seconds, on upload and retrieve."""
    kit = llama_kit
    dropped = kit.put.contract.package.row.upload_drops_expires_after
    if kit.put.over_http and dropped:
        raise NotApplicable(f"{kit.put.contract.package}: {dropped}")
    purpose = upload_purposes(kit)[0]

    def body(seconds: int) -> None:
        outcome, _ = upload_file(kit, b"expires_after", "expiring.txt", purpose,
                                 expires_after={"anchor": "created_at", "seconds": seconds})
        created = kit.accept(outcome, "openai_upload_file", UPLOAD)
        try:
            kit.judge.check(created.expires_at == created.created_at + seconds, EXPIRES_AT,
                            f"expires_after.seconds={seconds} was asked, but expires_at is {created.expires_at} "
                            f"(created_at {created.created_at}; expected {created.created_at + seconds}).")
            retrieved = kit.accept(by_id(kit, "openai_retrieve_file", created.id), "openai_retrieve_file", RETRIEVE)
            kit.judge.check(retrieved.expires_at == created.expires_at, EXPIRES_AT,
                            f"retrieve says expires_at={retrieved.expires_at}, upload said {created.expires_at}.")
        finally:
            by_id(kit, "openai_delete_file", created.id)

    kit.examples(st.sampled_from([MIN_S, MAX_S]) | st.integers(MIN_S, MAX_S), body, label="expires_after.seconds")
