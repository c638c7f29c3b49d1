"""The kit's own footprint is bounded whatever the deployment or provider answers.

A deployment that answers a 200 MB chat completion, an event stream that never ends, or a
200 MB OpenAPI document (``fixtures/deployment/flood.py``), and a provider that answers
64 MiB or streams forever over ``--llama-over-http`` (``broken-inference-floods``): each
run ends, names the cut as ``call.resource-bound`` (or, for the document, as a usage error),
and the kit process's peak RSS - measured, in a fresh helper process that waits only for
the kit - stays under 1.5 GB. The reference provider over HTTP is not affected.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from tests_support import BROKEN_MODULE, requires

from llama_conformance.engine_checks import RESOURCE_BOUND
from llama_conformance.transport.asgi_stream import StreamingASGITransport
from llama_conformance.transport.limits import (
    EventCounter,
    Limits,
    ResponseCut,
    stream_over_bytes,
    stream_over_events,
    stream_past,
)
from llama_conformance_fixtures.deployment.flood import serve_flood

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("footprint")]

CEILING_MB = 1536
# The route under flood, answered (test_chat_answer) and streamed (test_chat_stream); the
# fuzz and usage variants would only repeat the same cut once per drawn example.
# The deadline leaves the stream's time cut (0.9 x the deadline) a whole second before the gate's own: with 5 s,
# a CI machine running both tox envs once starved the kit past the 0.5 s between them (call.no-hang at 5 s).
CHAT_DEADLINE_S = 10
CHAT = ("-m", "behavioral", "-k", "test_chat_answer or (test_chat_stream and not fuzz and not usage)",
        f"--llama-timeout={CHAT_DEADLINE_S}")

# A fresh interpreter waits for exactly one child, the kit: its RUSAGE_CHILDREN peak is the kit's.
_MEASURE = r"""
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=600)
print(json.dumps({"ret": done.returncode, "out": done.stdout + done.stderr,
                  "peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def run_measured(directory: Path, *args: str) -> tuple[int, str, float]:
    """Run the kit (``pytest *args``) in ``directory``; its exit code, output and peak RSS in MB."""
    env = {k: v for k, v in os.environ.items() if k != "LLAMA_CONFORMANCE_API_PACKAGE"}
    command = [sys.executable, "-c", _MEASURE, sys.executable, "-m", "pytest", "-p", "no:asyncio",
               "-p", "no:cacheprovider", "-p", "no:randomly", "-rA", *args]
    done = subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True, timeout=660, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["ret"], report["out"], report["peak_kb"] / 1024


def stream_was_cut(out: str, deadline_s: float = CHAT_DEADLINE_S) -> bool:
    """Whether ``out`` names a stream cut at one of its bounds, whichever the stream met first.

    Which bound that is depends on the machine's speed: a loaded machine reads fewer than
    100000 small events in the stream's time, an idle one more. The time cut names the
    seconds the kit really waited: checked when a block arrives, so on a loaded machine a
    little past the bound (4.6 s for 4.5 s), never before it.
    """
    limits = Limits()
    seconds = re.escape(stream_past(0)).replace("0", r"(\d+(?:\.\d+)?)")
    timed = re.search(f"answered with a {seconds}", out)
    if timed is not None and float(timed.group(1)) >= limits.stream_time_s(deadline_s):
        return True
    return any(f"answered with a {cut}" in out for cut in (stream_over_events(limits), stream_over_bytes(limits)))


def test_flooding_deployment_is_cut_and_reported_within_the_memory_ceiling(tmp_path: Path) -> None:
    requires("ogx_api")
    with serve_flood() as url:
        ret, out, peak_mb = run_measured(tmp_path, f"--llama-stack-url={url}", *CHAT)
    assert ret == pytest.ExitCode.TESTS_FAILED, out
    assert "[MUST call.resource-bound] POST /v1/chat/completions answered with a body over 32 MiB" in out, out
    assert stream_was_cut(out), out
    assert '"model": ' in out  # the request is quoted, so the cut can be reproduced
    assert peak_mb < CEILING_MB, f"the kit's peak RSS was {peak_mb:.0f} MB"
    print(f"flooding deployment: peak RSS {peak_mb:.0f} MB")


def test_flooding_deployment_fails_the_fuzzer_with_the_cut_named(tmp_path: Path) -> None:
    requires("ogx_api")
    with serve_flood() as url:
        ret, out, peak_mb = run_measured(tmp_path, f"--llama-stack-url={url}", "-m", "fuzz", "-k",
                                         "chat/completions", "--hypothesis-seed=3", "--llama-timeout=5")
    assert ret == pytest.ExitCode.TESTS_FAILED, out
    assert "call.resource-bound] LC-CUT Answer cut: body over 32 MiB" in out, out
    assert peak_mb < CEILING_MB, f"the kit's peak RSS was {peak_mb:.0f} MB"
    print(f"fuzzing the flooding deployment: peak RSS {peak_mb:.0f} MB")


def test_a_huge_openapi_document_is_refused_unread(tmp_path: Path) -> None:
    requires("ogx_api")
    with serve_flood(huge_spec=True) as url:
        ret, out, peak_mb = run_measured(tmp_path, f"--llama-stack-url={url}")
    assert ret == pytest.ExitCode.USAGE_ERROR, out
    assert "the answer is larger than 16 MiB; the kit stopped reading it there" in out, out
    assert peak_mb < CEILING_MB, f"the kit's peak RSS was {peak_mb:.0f} MB"


def test_flooding_provider_over_http_is_cut_and_reported_within_the_memory_ceiling(tmp_path: Path) -> None:
    requires("ogx_api")
    ret, out, peak_mb = run_measured(tmp_path, "--llama-provider=inline::broken-inference-floods", BROKEN_MODULE,
                                     "--llama-over-http", *CHAT)
    assert ret == pytest.ExitCode.TESTS_FAILED, out
    assert "answered with a body over 32 MiB (Content-Length" in out, out
    assert stream_was_cut(out), out
    assert peak_mb < CEILING_MB, f"the kit's peak RSS was {peak_mb:.0f} MB"
    print(f"flooding provider over HTTP: peak RSS {peak_mb:.0f} MB")


def test_the_reference_provider_over_http_is_not_cut(tmp_path: Path) -> None:
    requires("ogx_api")
    ret, out, peak_mb = run_measured(tmp_path, "--llama-provider=inline::kit-inference", "--llama-over-http", *CHAT)
    assert ret == pytest.ExitCode.OK, out
    assert "call.resource-bound" not in out and "passed" in out, out
    assert peak_mb < CEILING_MB


# -- the bounds themselves, without a server -------------------------------------------------

def test_events_are_counted_across_reads_and_line_ends() -> None:
    counter = EventCounter()
    for part in (b"data: 1\n", b"\ndata: 2\r", b"\n\r\n", b"data: 3\r\n\r\ndata: 4\n\n"):
        counter.feed(part)
    assert counter.events == 4


def test_an_endless_in_process_stream_returns_at_once_and_stops_when_closed() -> None:
    """``httpx.ASGITransport`` would never return here; the streaming transport cancels the app on close."""
    import asyncio

    stopped = asyncio.Event()

    async def endless(scope: dict, receive: object, send: object) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
            while True:
                await send({"type": "http.response.body", "body": b"x" * 1024, "more_body": True})
        finally:
            stopped.set()

    async def main() -> int:
        read = 0
        client = httpx.AsyncClient(transport=StreamingASGITransport(endless), base_url="http://app")
        async with client, client.stream("GET", "/") as response:
            async for part in response.aiter_bytes():
                read += len(part)
                if read > 1024 * 1024:
                    break
        await asyncio.wait_for(stopped.wait(), 5)
        return read

    assert asyncio.run(asyncio.wait_for(main(), 20)) > 1024 * 1024


def test_a_body_over_the_limit_is_cut_and_reported_as_resource_bound() -> None:
    import asyncio

    from llama_conformance.contract.routes import RouteSpec
    from llama_conformance.transport.decode import Bounds, decode_value
    from llama_conformance.transport.wire import WireAnswer

    async def big(scope: dict, receive: object, send: object) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        for _ in range(64):
            await send({"type": "http.response.body", "body": b"a" * 65536, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    route = RouteSpec(api="files", member="big", method="GET", path="/v1/big", name="big")
    wire = WireAnswer()

    async def main() -> None:
        async with httpx.AsyncClient(transport=StreamingASGITransport(big), base_url="http://app") as client:
            response = await client.send(client.build_request("GET", "/v1/big"), stream=True)
            await decode_value(response, route, None, wire, Bounds(limits=Limits(body_bytes=1024 * 1024),
                                                                    request=lambda: '{"n": 1}'))

    with pytest.raises(ResponseCut) as raised:
        asyncio.run(main())
    [cut] = raised.value.findings  # the call's finding travels with the exception that ended it
    assert cut.check.id == RESOURCE_BOUND.id and "body over 1 MiB" in cut.message and '{"n": 1}' in cut.message
