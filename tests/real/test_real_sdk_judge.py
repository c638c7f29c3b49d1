"""The official SDK as a second judge over HTTP (``http.sdk-parses``), on the real servers.

* ogx 1.5 (``ogx run``, its built-in providers; inference through ``remote::openai`` to the kit's
  OpenAI-compatible loopback server): every answer and stream event of the files, vector_io,
  inference and responses suites is also parsed by ogx-client 1.5.0 as its generated methods
  parse them. ``REAL_FINDINGS`` lists every ``http.sdk-parses`` finding that run makes.
* llama-stack 0.7.3 (``llama stack run``, only where its CLI is, the ``llama-stack`` tox env):
  its official client, llama-stack-client, is a Stainless client whose default parsing is
  ``construct_type`` (no validation), so no SDK can reject an answer there: the judge is off and
  the check is not applicable; the run shows no ``http.sdk-parses`` finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpcore  # noqa: F401  (imported before pytester snapshots sys.modules: see test_real_servers_http)
import httpx  # noqa: F401
import pytest

from llama_conformance.transport.sdk_judge import not_judged_reason
from llama_conformance_fixtures.openai_server import serve_openai_compatible
from llama_conformance_fixtures.servers import missing_reason, running_server, server_config

pytestmark = pytest.mark.slow
BUILTIN = {"ogx": "ogx-offline-10-apis.yaml", "llama-stack": "llama-stack-offline-11-apis.yaml"}
PACKAGE = {"ogx": "ogx_api", "llama-stack": "llama_stack_api"}
APIS = "--llama-api=files,vector_io,inference,responses"
SDK_LINE = re.compile(r"\[(MUST|ERRATUM [\w.-]+ /) http\.sdk-parses\] ([^\n]*)")
# Every http.sdk-parses finding on each real server's built-in providers (seed 1): (route, SDK model).
# None on either. ogx 1.5's sqlite-vec scores an exact match 1/0 -> infinity
# (ogx/providers/inline/vector_io/sqlite_vec/sqlite_vec.py:375), which the server's JSON carries as null:
# ogx-client's ``vector_stores.search`` and ``vector_io.query`` raise a ValidationError on it, but so does
# the API package's own model (a score is a float), so the contract's judges report it once, under their
# ids (vector_io.search.scores-finite, MUST), and the SDK judge stays silent on answers the contract
# itself rejects. Every other answer of the four suites parses with ogx-client 1.5.0.
REAL_FINDINGS: dict[str, set[tuple[str, str]]] = {"ogx": set(), "llama-stack": set()}
SDK_TESTS: dict[str, set[str]] = {"ogx": set(), "llama-stack": set()}
SECTION = re.compile(r"^_{3,} (test_[^ ]+) _{3,}$", re.M)


@pytest.fixture
def loopback_openai() -> Iterator[str]:
    with serve_openai_compatible() as url:
        yield url + "/v1"


def sdk_findings(text: str) -> set[tuple[str, str]]:
    """(route, the SDK model that rejected it) of every http.sdk-parses finding in a run's output."""
    found = set()
    for _, message in SDK_LINE.findall(text):
        route = message.split(":", 1)[0].split(" stream event")[0]
        model = re.search(r"parses it as (\w+)", message)
        found.add((route, model.group(1) if model else "?"))
    return found


def charged_tests(text: str) -> set[str]:
    """The failed tests whose report names a MUST http.sdk-parses finding."""
    parts = SECTION.split(text)
    return {name for name, body in zip(parts[1::2], parts[2::2], strict=True) if "[MUST http.sdk-parses]" in body}


@pytest.mark.parametrize("kind", ["ogx", "llama-stack"])
def test_the_sdk_judges_a_real_server(pytester: pytest.Pytester, kind: str, loopback_openai: str) -> None:
    reason = missing_reason(kind)
    if reason is not None:
        pytest.skip(reason)
    judged = not_judged_reason(PACKAGE[kind])
    with running_server(kind, server_config(BUILTIN[kind]), env={"KIT_OPENAI_URL": loopback_openai}) as server:
        result = pytester.runpytest_subprocess(f"--llama-stack-url={server.url}", "-p", "no:asyncio", "-rA",
                                               "-m", "behavioral", APIS, "--hypothesis-seed=1")
    text = result.stdout.str()
    assert "PASSED inference/test_inference.py::test_chat_answer" in text, text[-3000:]
    assert sdk_findings(text) == REAL_FINDINGS[kind], "\n".join(m for _, m in SDK_LINE.findall(text))
    # the tests whose failure the SDK judge names (each stops at it: their later checks are not judged)
    assert charged_tests(text) == SDK_TESTS[kind], sorted(charged_tests(text))
    if kind == "llama-stack":
        assert judged is not None and "construct_type" in judged  # not applicable: nothing could reject
    else:
        assert judged is None, judged
