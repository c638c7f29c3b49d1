"""Where a run's time went: every gated call is timed by what it called, and a run names the calls that took
longest, in its summary and in its report, from whichever process ran them."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from llama_conformance.call_time import CALL_TIMES, CallTimes, merge
from llama_conformance.errors import GateTimeout
from llama_conformance.gate import CallGate


def test_the_gate_times_each_call_by_its_label_and_a_timed_out_call_costs_its_limit() -> None:
    gate = CallGate(timeout_s=0.3)
    CALL_TIMES.take()  # what earlier tests of this process called

    async def nap() -> str:
        await asyncio.sleep(0.05)
        return "ok"

    async def hang() -> None:
        await asyncio.sleep(3600)

    try:
        assert gate.call("files.openai_retrieve_file", nap) == "ok"
        assert gate.call("files.openai_retrieve_file", nap) == "ok"
        with pytest.raises(GateTimeout):
            gate.call("files.openai_list_files", hang)
        with pytest.raises(GateTimeout, match="already exceeded"):  # refused, not called: not timed
            gate.call("files.openai_list_files", hang)
    finally:
        gate.close()
    taken = CALL_TIMES.take()
    calls, seconds, longest = taken["files.openai_retrieve_file"]
    assert calls == 2 and 0.1 <= seconds < 1.0 and 0.05 <= longest <= seconds, taken
    calls, seconds, longest = taken["files.openai_list_files"]
    assert calls == 1 and seconds >= 0.3 and longest == seconds, taken
    assert CALL_TIMES.take() == {}  # a take empties the ledger


def test_rows_of_several_tests_add_up() -> None:
    first, second = CallTimes(), CallTimes()
    first.add("a", 0.5)
    first.add("a", 0.25)
    second.add("a", 1.0)
    second.add("b", 0.125)
    total = merge([first.take(), second.take()])
    assert (total["a"].calls, total["a"].seconds, total["a"].longest_s) == (3, 1.75, 1.0)
    assert (total["b"].calls, total["b"].seconds, total["b"].longest_s) == (1, 0.125, 0.125)


SLOW_PROVIDER = '''
"""The reference files provider, with a retrieve that takes a tenth of a second: a slow backend, not a defect.
Each retrieve adds a line to the file $SLOW_RETRIEVE_LOG: what the kit counts, counted by the provider."""
import asyncio
import os

from llama_conformance_fixtures.reference.files import KitFilesImpl

CONFIG = "llama_conformance_fixtures.reference.files.KitFilesConfig"


class SlowRetrieveFiles(KitFilesImpl):
    async def openai_retrieve_file(self, *args, **kwargs):
        with open(os.environ["SLOW_RETRIEVE_LOG"], "a") as log:
            log.write("retrieve\\n")
        await asyncio.sleep(0.1)
        return await super().openai_retrieve_file(*args, **kwargs)


async def get_provider_impl(config, deps):
    return SlowRetrieveFiles(config)


def get_provider_spec():
    from llama_conformance_fixtures._api import api

    return [api.InlineProviderSpec(api=api.Api.files, provider_type="inline::slow-retrieve", module=__name__,
                                   config_class=CONFIG, pip_packages=[])]
'''
_SLOWEST = re.compile(r"^files\.openai_retrieve_file: ([\d.]+) s in (\d+) calls? \(longest ([\d.]+) s\)$", re.M)


@pytest.mark.slow
def test_a_slow_member_is_named_with_its_time_in_the_summary_and_the_report(
        pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The provider is conformant, only slow: the run passes and says which member its time went to, with as many
    calls as the provider saw. The calls ran in the isolation worker, the summary and the report were written by
    the process that started it."""
    log = tmp_path / "retrieves.log"
    monkeypatch.setenv("SLOW_RETRIEVE_LOG", str(log))
    pytester.makepyfile(slow_retrieve_files=SLOW_PROVIDER)
    result = pytester.runpytest_subprocess("--llama-provider=inline::slow-retrieve",
                                           "--llama-provider-module=slow_retrieve_files", "-p", "no:asyncio",
                                           "-k", "test_upload_retrieve or test_delete", "--hypothesis-seed=1",
                                           f"--llama-report={tmp_path / 'report'}")
    out = result.stdout.str()
    assert result.ret == 0, out[-4000:]
    result.stdout.re_match_lines([r"=+ llama-conformance: [\d,]+ calls into provider code took [\d.]+ s \(wall\) =+"])
    slowest = _SLOWEST.search(out)
    assert slowest is not None, out[-4000:]
    seconds, calls, longest = float(slowest.group(1)), int(slowest.group(2)), float(slowest.group(3))
    assert calls == len(log.read_text().splitlines()) >= 1, (slowest.group(0), log.read_text())
    assert seconds >= 0.1 * calls and longest >= 0.1, slowest.group(0)
    # the first line under the header: it took the most
    header = out.index("calls into provider code took")
    assert out[header:].splitlines()[1].startswith("files.openai_retrieve_file: "), out[header:header + 600]

    report = json.loads((tmp_path / "report" / "report.json").read_text())
    rows = report["run"]["provider_time"]
    assert rows[0]["call"] == "files.openai_retrieve_file" and rows[0]["calls"] == calls, rows
    assert [row["seconds"] for row in rows] == sorted((row["seconds"] for row in rows), reverse=True), rows
    assert {"files.openai_upload_file", "files.openai_delete_file"} <= {row["call"] for row in rows}, rows
    assert report["schema_version"] == "1.2"
    facts = (tmp_path / "report" / "report.md").read_text()
    assert re.search(r"^\| Provider time \| [\d.]+ s in [\d,]+ calls; most: files\.openai\\_retrieve\\_file "
                     rf"\([\d.]+ s in {calls}\) \|$", facts, re.M), facts[:3000]
    assert "Provider time" in (tmp_path / "report" / "report.html").read_text()
