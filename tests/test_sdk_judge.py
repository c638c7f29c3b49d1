"""``http.sdk-parses``: the official client SDK as a second judge of every HTTP answer.

* The judge is the SDK's own code: ogx-client's generated method of the route (found in its
  source), ``ApiClient.deserialize`` for a 200 and the api's stream decoder for an event. It
  rejects what ogx-client's users hit (a search ``score`` of ``null``, a file's ``bytes`` of
  ``12.0``) and takes the contract's own answers.
* Who must act: when the SDK also rejects the contract's canonical JSON of the value, the SDK
  and the contract disagree (an erratum naming the SDK), never a failure of the server.
* The proof: a deployment whose file objects carry ``bytes`` as a float (its package's lax schema
  takes it) fails the files suite naming only ``http.sdk-parses``; the good deployment passes it
  (``test_http_mode.py::test_reference_deployment_passes_every_suite_over_http`` runs it with the
  judge on).
* Where no SDK judges (not installed, or a Stainless client that validates nothing by default) the
  check is not applicable: ``not_judged_reason`` says why.

The kit's tests import no API package: the contract's types are stood in for by small models.
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from tests_support import failed_tests, failure_reports, must_ids, requires

from llama_conformance.checks import Level
from llama_conformance.transport import sdk_judge
from llama_conformance.transport.checks import SDK_PARSES

pytest.importorskip("ogx_client")

SEARCH = ("POST", "/v1/vector_stores/{vector_store_id}/search")
FILE = ("GET", "/v1/files/{file_id}")
CHAT = ("POST", "/v1/chat/completions")
GOOD_FILE = {"id": "file-1", "object": "file", "bytes": 12, "created_at": 1, "expires_at": None,
             "filename": "a.txt", "purpose": "assistants", "status": "processed"}
HIT = {"file_id": "file-1", "filename": "a.txt", "score": 0.5, "attributes": {},
       "content": [{"type": "text", "text": "hello"}]}


def _page(*hits: dict) -> dict:
    return {"object": "vector_store.search_results.page", "search_query": ["hello"], "data": list(hits),
            "has_more": False, "next_page": None}


def _chunk(**choice: object) -> dict:
    return {"id": "c-1", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": None, **choice}]}


@pytest.fixture(scope="module")
def judge() -> sdk_judge.SdkJudge:
    made = sdk_judge.judge_for("ogx_api")
    assert made is not None, sdk_judge.not_judged_reason("ogx_api")
    return made


def test_the_routes_are_read_from_the_sdk_itself(judge: sdk_judge.SdkJudge) -> None:
    search = judge.backend.operation(*SEARCH)
    assert search is not None and search.model == "VectorStoreSearchResponsePage"
    assert search.api_class.__name__ == "VectorStoresApi" and search.method_name == "search"
    chat = judge.backend.operation(*CHAT)
    assert chat is not None and (chat.model, chat.stream_model) == ("OpenAIChatCompletion", "OpenAIChatCompletionChunk")
    assert judge.backend.operation("GET", "/v1/no/such/route") is None


def test_a_null_score_is_what_ogx_client_rejects(judge: sdk_judge.SdkJudge) -> None:
    """The real case: an exact match scores inf, which JSON carries as null; ``vector_stores.search`` raises."""
    assert judge.judge_answer(*SEARCH, _page(HIT)) is None
    found = judge.judge_answer(*SEARCH, _page({**HIT, "score": None}))
    assert found is not None and found.check is SDK_PARSES and found.level is Level.MUST and not found.erratum
    message = found.message
    assert "ogx-client 1.5" in message and "VectorStoresApi.search" in message, message
    assert "VectorStoreSearchResponse.score" in message and "got None" in message, message
    assert "the server (its provider) must send JSON its official SDK reads" in message


def test_an_integer_sent_as_a_float_is_rejected(judge: sdk_judge.SdkJudge) -> None:
    assert judge.judge_answer(*FILE, GOOD_FILE) is None
    found = judge.judge_answer(*FILE, {**GOOD_FILE, "bytes": 12.0})
    assert found is not None and "OpenAIFileObject.bytes" in found.message and "got 12.0" in found.message


def test_a_stream_event_the_decoder_cannot_type(judge: sdk_judge.SdkJudge) -> None:
    """ogx-client's stream decoder hands back the bare dict when no model parses the event."""
    assert judge.judge_event(*CHAT, _chunk(), 0) is None
    found = judge.judge_event(*CHAT, _chunk(index="first"), 3)
    assert found is not None and "stream event 3" in found.message and "bare dict" in found.message, found


class _ContractFile(BaseModel):  # stands in for a package model that types `bytes` as a float
    id: str
    bytes: float


class _StrictContractFile(BaseModel):  # ... and for one that types it as an integer
    id: str
    bytes: int


def test_who_must_act(judge: sdk_judge.SdkJudge) -> None:
    """The server's JSON is at fault unless the SDK rejects the contract's own serialization too."""
    sent = {**GOOD_FILE, "bytes": 12.0}
    server = judge.judge_answer(*FILE, sent, _StrictContractFile)  # canonical: bytes 12, which the SDK takes
    assert server is not None and server.level is Level.MUST and not server.erratum
    contract = judge.judge_answer(*FILE, sent, _ContractFile)  # canonical: bytes 12.0 again
    assert contract is not None and contract.erratum == "ogx-client.OpenAIFileObject" and contract.level is Level.MAY
    assert "ogx-client's maintainers must act" in contract.message


def test_where_no_sdk_judges_the_check_is_not_applicable() -> None:
    assert sdk_judge.not_judged_reason("ogx_api") is None
    assert "construct_type" in (sdk_judge.not_judged_reason("llama_stack_api") or "")
    assert sdk_judge.judge_for("llama_stack_api") is None
    assert "no official client SDK" in (sdk_judge.not_judged_reason("some_api") or "")


# Two tests whose first call is an upload (POST /v1/files): its answer is what the SDK rejects.
PROVEN = ("test_upload_retrieve_content", "test_list_purpose_filter")


@pytest.mark.slow
def test_a_deployment_the_sdk_cannot_read_fails_only_the_sdk_check(pytester: pytest.Pytester) -> None:
    """The defect's run fails exactly the selected tests naming only http.sdk-parses; the good deployment
    passes the same run (the SDK judge on: ogx-client installed, contract ogx-api)."""
    requires("ogx_api")
    from llama_conformance_fixtures.deployment import serve_deployment

    def run(url: str) -> pytest.RunResult:
        return pytester.runpytest_subprocess(f"--llama-stack-url={url}", "-p", "no:asyncio", "-rA", "-m", "behavioral",
                                             "--llama-api=files", "-k", " or ".join(PROVEN))

    with serve_deployment("files-bytes-as-float", startup_timeout_s=90) as url:  # a busy machine starts slowly
        broken = run(url)
    with serve_deployment(startup_timeout_s=90) as url:
        good = run(url)
    text = broken.stdout.str()
    assert broken.ret == pytest.ExitCode.TESTS_FAILED, text
    assert {name.rsplit("::", 1)[-1] for name in failed_tests(broken)} == set(PROVEN), text
    for test, report in failure_reports(broken).items():
        assert must_ids(report) == {SDK_PARSES.id}, f"{test}:\n{report}"
    assert "FilesApi.create parses it as OpenAIFileObject, which fails at OpenAIFileObject.bytes" in text, text
    assert good.ret == pytest.ExitCode.OK and good.parseoutcomes().get("passed") == len(PROVEN), good.stdout.str()


# -- a 503 for guardrails without a moderation endpoint is upstream's contract, not a server error --------


class _Answer:
    def __init__(self, status: int, body: object) -> None:
        self.status_code, self._body, self.headers = status, body, {}

    def json(self) -> object:
        return self._body


def test_guardrails_without_a_moderation_endpoint_is_not_a_server_error() -> None:
    from types import SimpleNamespace

    from llama_conformance.fuzz.checks import guardrails_not_enabled, not_a_server_error_or_unbounded

    upstream = {"error": {"message": "Service 'moderation_endpoint' is not enabled. Please check your "
                                     "configuration and enable the service before trying again."}}
    guarded = SimpleNamespace(body={"input": "hi", "model": "m", "guardrails": ["llama-guard"]}, operation=None)
    assert not_a_server_error_or_unbounded(None, _Answer(503, upstream), guarded) is None
    # Exactly that case: another 503, or the same message without guardrails, is still a server error.
    unguarded = SimpleNamespace(body={"input": "hi", "model": "m"}, operation=None)
    for answer, case in ((_Answer(503, {"error": {"message": "backend down"}}), guarded),
                         (_Answer(503, upstream), unguarded), (_Answer(500, upstream), guarded)):
        assert not guardrails_not_enabled(answer, case)
