"""The fuzzer's checks, each proven by a deployment with one HTTP-level defect that a fuzz run catches.

For every row, the reference deployment with that defect (``fixtures/deployment/defects.py``)
is fuzzed on the one operation the defect is on (``-m fuzz -k``, a pinned seed): the run
fails that operation's test, naming exactly the check the defect breaks (the kit id, as
``[MUST <id>]`` / ``[SHOULD <id>]``), and the good deployment passes the same run. A SHOULD check
is run ``--llama-strict`` (both ways), so its finding fails the run instead of warning.

All the deployments (every defect's and the good one) are served by one process, and fuzzed
from one kit process (``tests_support.run_kit_batch``), on one xdist worker: about 35 s in all.

Proven elsewhere: ``fuzz.use-after-free`` and ``fuzz.resource-availability`` need chained cases
(``tests/test_http_mode.py::test_chained_cases_catch_what_single_cases_cannot``).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest
from tests_support import failure_reports, requires, run_kit_batch

from llama_conformance.fuzz.ids import FUZZ_CHECK_IDS, check_for_code
from llama_conformance_fixtures.deployment.defects import DEFECTS
from llama_conformance_fixtures.openai_server.launcher import stop_process

pytestmark = [pytest.mark.slow, pytest.mark.defects, pytest.mark.xdist_group("fuzz-proofs")]

FUZZ = ("-m", "fuzz")
STRICT = ("--llama-strict",)
GOOD = None
STARTUP_S = 90.0  # all of them: other tests share the machine


class Row(NamedTuple):
    """One proof: the schemathesis failure code the defect must produce (its kit check: ``check_for_code``),
    the operation it is on, the ``-k`` that selects that operation's fuzz test alone, the seed, more arguments."""

    code: str
    operation: str
    select: str
    seed: int = 3
    extra: tuple[str, ...] = ()
    # the good deployment is judged against the document the defect's deployment publishes (it changes it)
    its_document: bool = False

    def args(self, url: str) -> tuple[str, ...]:
        return (f"--llama-stack-url={url}", *FUZZ, f"--hypothesis-seed={self.seed}",
                "-k", f"test_operation and ({self.select})", *self.extra)


FILES_LIST = ("GET /v1/files", "GET and files and not file_id")
ROWS: dict[str, Row] = {
    "files-delete-fails": Row("ST101", "DELETE /v1/files/{file_id}", "DELETE"),
    # The API packages document a catch-all ``default`` response on every operation, so no status is
    # undocumented against them: this deployment publishes its document without it (defects.UploadAnswers201).
    "files-upload-201": Row("ST103", "POST /v1/files", "POST and files", its_document=True),
    "json-as-text": Row("ST105", *FILES_LIST),
    "files-list-drops-data": Row("ST108", *FILES_LIST),
    "files-list-ignores-query": Row("ST201", *FILES_LIST),
    "files-list-refuses-query": Row("ST202", *FILES_LIST, extra=STRICT),
    "files-content-resets": Row("LC-NET", "GET /v1/files/{file_id}/content", "content"),
    "rerank-not-implemented": Row("LC-501", "POST /v1alpha/inference/rerank", "rerank", extra=STRICT),
    # Most valid chat bodies the fast profile draws carry properties the reference refuses (400), so few
    # reach a stream: seed 41's draws include one (the thorough profile reaches one at seed 3, in 23 s).
    "sse-not-json": Row("LC-SSE", "POST /v1/chat/completions", "chat", seed=41),
}

MARKER = re.compile(r"\[(?:MUST|SHOULD|MAY) ([\w.-]+)\]")


# Every deployment of the proofs in one process: one interpreter start and one import of the API package
# (3-5 s apiece on a busy machine), one uvicorn server per deployment (``deployment.app.create_app``: the
# reference providers behind their routers, with one defect), each on its own loopback port.
_SERVE = r"""
import asyncio, json, socket, sys

import uvicorn

from llama_conformance_fixtures.deployment.app import create_app


async def main(defects):
    servers, tasks = [], []
    for defect in defects:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        server = uvicorn.Server(uvicorn.Config(create_app(defect), log_level="warning"))
        servers.append((server, sock.getsockname()[1]))
        tasks.append(asyncio.create_task(server.serve(sockets=[sock])))
    while not all(server.started for server, _port in servers):
        if any(task.done() for task in tasks):
            await next(task for task in tasks if task.done())  # its exception
            sys.exit("a deployment stopped before serving")
        await asyncio.sleep(0.01)
    print("URLS:" + json.dumps([f"http://127.0.0.1:{port}" for _server, port in servers]), flush=True)
    await asyncio.gather(*tasks)


asyncio.run(main(json.loads(sys.argv[1])))
"""


@contextmanager
def _deployments(defects: list[str | None], directory: Path) -> Iterator[dict[str | None, str]]:
    """Each of ``defects`` (``GOOD``: none) served on loopback for the ``with`` block; its URL by defect."""
    script, log = directory / "deployments.py", directory / "deployments.log"
    script.write_text(_SERVE)
    with log.open("wb") as sink:
        process = subprocess.Popen([sys.executable, str(script), json.dumps(defects)], cwd=directory,
                                   stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_S
        while not (line := next((x for x in log.read_text().splitlines() if x.startswith("URLS:")), "")):
            assert process.poll() is None, f"the deployments stopped before serving:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"the deployments were not serving within {STARTUP_S} s"
            time.sleep(0.02)
        yield dict(zip(defects, json.loads(line[len("URLS:"):]), strict=True))
    finally:
        stop_process(process)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str | None, Row], pytest.RunResult]:
    """(defect, row) -> the row's kit run on its defect; (GOOD, row) -> the same run on the good deployment."""
    requires("ogx_api")
    keys = [*ROWS.items(), *dict.fromkeys(_good(row) for row in ROWS.values())]  # one good run per selection
    directory = tmp_path_factory.mktemp("fuzz-proofs")
    with _deployments([*ROWS, GOOD], directory) as urls:
        args = [row.args(urls[at]) + _document_of(at, row, urls, directory) for at, row in keys]
        results = run_kit_batch(directory, args)
    return dict(zip(keys, results, strict=True))


def _document_of(at: str | None, row: Row, urls: dict[str | None, str], directory: Path) -> tuple[str, ...]:
    """For the good run of a row whose defect changes the published document: that document."""
    if at is not GOOD or not row.its_document:
        return ()
    defect = next(name for name, its in ROWS.items() if _good(its) == (GOOD, row))
    document = directory / f"{defect}.openapi.json"
    with urllib.request.urlopen(f"{urls[defect]}/openapi.json", timeout=30) as answer:
        document.write_bytes(answer.read())
    return (f"--llama-openapi={document}",)


def _good(row: Row) -> tuple[None, Row]:
    """The good deployment's run of ``row``'s selection (rows that select alike share it)."""
    return GOOD, row._replace(code="")


@pytest.mark.parametrize("defect", sorted(ROWS))
def test_fuzz_check_is_caught_by_a_broken_deployment(runs, defect: str) -> None:
    """The defect's run fails its operation's test naming exactly its check; the good deployment passes it."""
    row = ROWS[defect]
    check = check_for_code(row.code)
    result = runs[(defect, row)]
    text = result.stdout.str()
    test = f"test_operation[{row.operation}]"
    assert result.ret == pytest.ExitCode.TESTS_FAILED, text
    assert f"FAILED http/test_openapi_fuzz.py::{test}" in text and result.parseoutcomes()["failed"] == 1, text
    report = failure_reports(result)[test]
    assert set(MARKER.findall(report)) == {check.id}, report  # that check, and no other
    assert f"[{check.level} {check.id}] {row.code} " in report, report
    made_for = DEFECTS[defect][1]  # the check the defect's table names: this one, unless made for another
    assert made_for == check.id or made_for not in FUZZ_CHECK_IDS, made_for
    assert "Reproduce with:" in report and "--hypothesis-seed=" in report, report
    good = runs[_good(row)]
    assert good.ret == pytest.ExitCode.OK, good.stdout.str()
    assert f"PASSED http/test_openapi_fuzz.py::{test}" in good.stdout.str(), good.stdout.str()
