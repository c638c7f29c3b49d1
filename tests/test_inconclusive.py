"""An environment problem is *inconclusive*, never a contract failure; a stand-in's answer too.

- ``inline::broken-files-backend-unreachable`` asks its backend (``backend_url``) before every
  call: down, every behavioural check is inconclusive with the cause, the verdict is
  *Inconclusive* and the run does not fail; up, the same provider is Conformant;
- ``inline::broken-safety-llm-judge`` asks its inference dependency to judge: against the
  kit's echo stand-in the semantic safety checks are inconclusive, the others still judged;
- the classification of exception chains, the verdict order and the report's new status.
"""

from __future__ import annotations

import errno
import http.server
import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests_support import requires

from llama_conformance.evidence import EvidenceLog, environment_cause, is_semantic, parse_reason

DOWN = "http://127.0.0.1:9"  # the discard port: nothing listens on loopback here


# ----------------------------------------------------------------------------- classification


def _raised_from(outer: BaseException, inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise outer from exc
    except BaseException as exc:
        return exc


def test_client_connection_errors_are_environment() -> None:
    request = httpx.Request("GET", "http://127.0.0.1:9/v1/models")
    connect = httpx.ConnectError("All connection attempts failed", request=request)
    cause = environment_cause(connect)
    assert cause is not None and "127.0.0.1:9" in cause and "ConnectError" in cause
    assert "whoever runs the kit must start it" in cause  # names who must act

    wrapped = _raised_from(RuntimeError("listing models failed"), connect)  # a provider's own wrapper
    assert environment_cause(wrapped) is not None
    assert environment_cause(ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")) is not None
    assert environment_cause(OSError(errno.EHOSTUNREACH, "No route to host")) is not None


def test_client_messages_are_environment_when_no_type_says_so() -> None:
    """chromadb raises a bare ValueError when its server is down."""
    cause = environment_cause(ValueError("Could not connect to a Chroma server. Are you sure it is running?"))
    assert cause is not None and "its client said" in cause


def test_grpc_addresses_are_read_whole() -> None:
    """pymilvus: "... last error: UNKNOWN: ipv4:127.0.0.1:9: Failed to connect" is 127.0.0.1:9, not "ipv4:127"."""
    cause = environment_cause(ConnectionError("failed to connect to all addresses; last error: UNKNOWN: "
                                              "ipv4:127.0.0.1:9: Failed to connect to remote host"))
    assert cause is not None and " at 127.0.0.1:9 " in cause


def test_an_error_the_provider_logs_and_swallows_is_evidence() -> None:
    """A shield that logs its detector's ConnectError and answers "pass" anyway (trustyai-fms)."""
    import logging

    log = EvidenceLog()
    log.listen()
    try:
        mark = log.mark()
        logger = logging.getLogger("kit-test.provider")
        try:
            raise httpx.ConnectError("All connection attempts failed")
        except httpx.ConnectError:
            logger.exception("detector call failed")  # outside a call: not evidence
            log.calling = True
            logger.exception("detector call failed")
            logger.warning("retrying after connection refused")
            logger.warning("unrelated warning")
            log.calling = False
        found = log.since(mark, "environment")
        assert len(found) == 2 and "logged by `kit-test.provider` and not raised" in found[0].cause
    finally:
        log.close()


def test_credentials_are_environment() -> None:
    class AuthenticationError(Exception):  # openai's, by name
        pass

    cause = environment_cause(AuthenticationError("Incorrect API key provided"))
    assert cause is not None and "credentials" in cause


def test_no_client_configuration_on_the_machine_is_environment() -> None:
    """llama-stack-provider-lmeval 0.5.0 (lmeval.py:930-938) wraps kubernetes' "Invalid kube-config file. No
    configuration found" in its own LMEvalConfigError: no cluster configured here, not a contract defect (it was
    charged to the provider as six MUST failures). The type is known by its qualified name: another library's
    ConfigException stays the provider's."""
    kubernetes_config = type("ConfigException", (Exception,), {"__module__": "kubernetes.config.config_exception"})
    lmeval_error = type("LMEvalConfigError", (Exception,), {"__module__": "llama_stack_provider_lmeval.errors"})
    try:
        try:
            raise kubernetes_config("Invalid kube-config file. No configuration found.")
        except Exception as exc:
            raise lmeval_error(f"Failed to initialize Kubernetes client: {exc}") from exc
    except Exception as wrapped:
        cause = environment_cause(wrapped)
    assert cause is not None and "could not load its configuration" in cause and "kubeconfig" in cause, cause
    other = type("ConfigException", (Exception,), {"__module__": "some_provider.settings"})
    assert environment_cause(other("bad setting")) is None
    # A provider's own error raised in the fallback after load_incluster_config() failed (outside any cluster,
    # always) only has that ConfigException as its context: it stays the provider's.
    try:
        try:
            raise kubernetes_config("Service host/port is not set.")
        except Exception:
            raise KeyError("job-1")  # noqa: B904  (as providers do: the context is kept, no cause)
    except KeyError as provider_bug:
        assert provider_bug.__context__ is not None and environment_cause(provider_bug) is None


@pytest.mark.parametrize("exc", [ValueError("model not found"), KeyError("file-1"), TypeError("bad"),
                                 OSError(errno.ENOENT, "No such file"), RuntimeError("boom")])
def test_provider_errors_stay_the_providers(exc: BaseException) -> None:
    assert environment_cause(exc) is None


def test_a_sqlite3_without_loadable_extensions_is_environment() -> None:
    """sqlite-vec on a CPython built without loadable sqlite extensions (pyenv's default) cannot start:
    the machine's problem, named with the fix; any other missing attribute stays the provider's."""
    cause = environment_cause(AttributeError("'sqlite3.Connection' object has no attribute 'enable_load_extension'"))
    assert cause is not None and "pysqlite3" in cause
    assert environment_cause(AttributeError("'X' object has no attribute 'y'")) is None


def test_stand_in_evidence_makes_only_semantic_checks_inconclusive() -> None:
    log = EvidenceLog()
    mark = log.mark()
    log.record_stand_in("safety.run_shield", "inference.openai_chat_completion")
    assert log.inconclusive_cause(mark, ["safety.run-shield.clean"]) is not None
    # the shape of the answer and the errors raised are the provider's alone
    assert log.inconclusive_cause(mark, ["response.schema", "call.typed-error"]) is None
    assert not is_semantic("stream.chunk.schema") and is_semantic("safety.run-shield.clean")
    assert log.inconclusive_cause(log.mark(), ["safety.run-shield.clean"]) is None  # nothing since


def test_verdict_inconclusive_never_hides_a_failure() -> None:
    from llama_conformance.report.verdict import INCONCLUSIVE, NOT_CONFORMANT, decide

    statuses = {"files.upload": "inconclusive", "lifecycle.build": "passed"}
    verdict, reasons = decide(statuses, set(), strict=False, failed_levels={}, selection=None,
                              causes={"files.upload": "backend down"})
    assert verdict == INCONCLUSIVE and "backend down" in reasons[0]
    statuses["files.list"] = "failed"
    assert decide(statuses, set(), strict=False, failed_levels={}, selection=None)[0] == NOT_CONFORMANT


# ----------------------------------------------------------------------------- kit runs


@pytest.fixture
def backend() -> Iterator[str]:
    """A backend that answers ``GET /health`` (the fixture provider's only question)."""

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _config(tmp_path: Path, url: str) -> str:
    path = tmp_path / "backend.yaml"
    path.write_text(f"backend_url: {url}\n")
    return f"--llama-provider-config={path}"


@pytest.mark.slow
def test_backend_down_is_inconclusive_not_a_failure(run_suites, tmp_path: Path) -> None:
    result = run_suites("inline::broken-files-backend-unreachable", _config(tmp_path, DOWN), "--hypothesis-seed=1",
                        f"--llama-report={tmp_path / 'report'}", f"--junitxml={tmp_path / 'junit.xml'}")
    # not a failure, and not a pass either: a CI job whose backend died must not go green
    assert result.ret == 1, result.stdout.str()
    result.stdout.fnmatch_lines(["exit status 1: no check failed, but Core checks could not be judged*"])
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes["inconclusive"] >= 5
    result.stdout.fnmatch_lines(["*tests inconclusive (not judged*",
                                 "*needs at 127.0.0.1:9 could not be reached (ConnectError*whoever runs the kit must*",
                                 "*llama-conformance verdict: Inconclusive*"])

    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert report["verdict"] == "Inconclusive"
    statuses = {check["id"]: check["status"] for check in report["checks"]}
    assert statuses["files.upload"] == statuses["files.not-found"] == "inconclusive"
    assert statuses["lifecycle.build"] == "passed"  # the structure was judged: it needs no backend
    assert "failed" not in statuses.values()
    assert report["inconclusive"] and all("127.0.0.1:9" in entry["cause"] for entry in report["inconclusive"])
    assert report["totals"]["overall"]["inconclusive"] >= 4
    assert "## Inconclusive" in (tmp_path / "report" / "report.md").read_text()

    skipped = [case.find("skipped") for case in ET.parse(tmp_path / "junit.xml").iter("testcase")]
    reasons = [s.get("message", "") for s in skipped if s is not None]
    assert any(parse_reason(reason) for reason in reasons), reasons  # JUnit: a skip carrying the cause


@pytest.mark.slow
def test_backend_up_the_same_provider_is_conformant(run_suites, tmp_path: Path, backend: str) -> None:
    result = run_suites("inline::broken-files-backend-unreachable", _config(tmp_path, backend),
                        "--hypothesis-seed=1", f"--llama-report={tmp_path / 'report'}")
    assert result.ret == 0, result.stdout.str()
    assert "inconclusive" not in result.parseoutcomes()
    assert json.loads((tmp_path / "report" / "report.json").read_text())["verdict"] == "Conformant"


@pytest.mark.slow
def test_factory_that_cannot_reach_its_backend_is_an_inconclusive_build(run_suites, tmp_path: Path) -> None:
    """The remote adapters of vector databases connect in initialize(): the build itself."""
    result = run_suites("inline::broken-lifecycle-backend-unreachable", _config(tmp_path, DOWN),
                        "--hypothesis-seed=1", f"--llama-report={tmp_path / 'report'}")
    assert result.ret == 1 and result.parseoutcomes().get("failed", 0) == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["test_build: [[]lifecycle.build[]] *could not be reached (ConnectError*"])
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert report["verdict"] == "Inconclusive"
    statuses = {check["id"]: check["status"] for check in report["checks"]}
    assert statuses["lifecycle.build"] == "inconclusive" and "failed" not in statuses.values()


@pytest.mark.slow
def test_llm_judge_against_the_echo_stand_in_is_inconclusive(run_suites, tmp_path: Path) -> None:
    requires("llama_stack_api")
    result = run_suites("inline::broken-safety-llm-judge", "--llama-api-package=llama_stack_api",
                        "--hypothesis-seed=1", f"--llama-report={tmp_path / 'report'}")
    assert result.ret == 1 and result.parseoutcomes().get("failed", 0) == 0, result.stdout.str()
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    statuses = {check["id"]: check["status"] for check in report["checks"]}
    assert statuses["safety.run-shield.clean"] == "inconclusive"  # what the shield decided from the echo
    # judged on the shield alone: registering, unknown shields, drawn input answered or refused cleanly
    assert statuses["safety.shield.register"] == statuses["safety.shield.not-found"] == "passed"
    assert statuses["safety.run-shield.fuzz"] == "passed"
    assert statuses["response.schema"] == "passed"
    assert report["verdict"] == "Inconclusive"
    assert any("stand-in inference.openai_chat_completion" in entry["cause"] for entry in report["inconclusive"])


# ----------------------------------------------------------------------------- a declared package not installed

LAZY_IMPORT_PROVIDER = '''
"""A files provider importing its heavy package inside the call, as llama-stack's
inline::code-scanner imports ``codeshield`` in ``run_shield``."""
from fastapi import UploadFile

from llama_conformance_fixtures._api import api
from llama_conformance_fixtures.reference.files import KitFilesImpl

CONFIG = "llama_conformance_fixtures.reference.files.KitFilesConfig"


class LazyImportFiles(KitFilesImpl):
    async def openai_upload_file(self, request: api.UploadFileRequest, file: UploadFile) -> api.OpenAIFileObject:
        import llama_conformance_missing_dependency  # noqa: F401

        return await super().openai_upload_file(request, file)


async def get_provider_impl(config, deps):
    return LazyImportFiles(config)


def get_provider_spec():
    return [
        api.InlineProviderSpec(api=api.Api.files, provider_type="inline::lazy-declared", module=__name__,
                               config_class=CONFIG, pip_packages=["llama-conformance-missing-dependency>=1.0"]),
        api.InlineProviderSpec(api=api.Api.files, provider_type="inline::lazy-undeclared", module=__name__,
                               config_class=CONFIG, pip_packages=[]),
    ]
'''


def test_a_call_missing_a_declared_package_is_environment_evidence() -> None:
    from llama_conformance.discovery import ProviderEntry
    from llama_conformance.harness.build import ProviderEvidence, missing_declared_package

    class Spec:
        pip_packages = ["codeshield"]

    entry = ProviderEntry(provider_type="inline::code-scanner", api="safety", module="m", config_class="m.C",
                          raw_spec=Spec())
    missing = ModuleNotFoundError("No module named 'codeshield'", name="codeshield")
    cause = missing_declared_package(entry, _raised_from(RuntimeError("scan failed"), missing))
    assert cause is not None and "`pip install codeshield`" in cause and "whoever runs the kit must" in cause
    assert missing_declared_package(entry, ModuleNotFoundError("no", name="yaml")) is None  # not declared
    assert missing_declared_package(entry, ValueError("codeshield")) is None

    log = ProviderEvidence(entry=entry)
    log.record_error("safety.run_shield", missing)
    assert log.inconclusive_cause(0, ["safety.run-shield.clean"]) == f"safety.run_shield: {cause}"


@pytest.mark.slow
@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
def test_a_declared_package_missing_at_call_time_is_inconclusive(
    pytester: pytest.Pytester, tmp_path: Path, declared: bool
) -> None:
    """Declared and missing: the environment's (who installs what, and how); undeclared: the provider's defect."""
    pytester.makepyfile(lazy_import_files=LAZY_IMPORT_PROVIDER)
    provider = f"inline::lazy-{'declared' if declared else 'undeclared'}"
    result = pytester.runpytest_subprocess(f"--llama-provider={provider}", "--llama-provider-module=lazy_import_files",
                                           "-p", "no:asyncio", "-rA", "-k", "upload", "--hypothesis-seed=1",
                                           f"--llama-report={tmp_path / 'report'}")
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    statuses = {check["id"]: check["status"] for check in report["checks"]}
    if declared:
        assert result.parseoutcomes().get("failed", 0) == 0, result.stdout.str()
        result.stdout.fnmatch_lines(["*files.openai_upload_file: the provider imports "
                                     "'llama_conformance_missing_dependency', from the package its spec's "
                                     "pip_packages declares*whoever runs the kit must install it "
                                     "(`pip install 'llama-conformance-missing-dependency>=1.0'`)*"])
        assert statuses["files.upload"] == "inconclusive" and report["verdict"] == "Inconclusive"
    else:
        assert result.parseoutcomes()["failed"] >= 1
        assert statuses["files.upload"] == "failed" and report["verdict"] == "Not conformant"


def test_a_request_the_kit_built_wrong_is_the_kits_defect_not_the_providers() -> None:
    """``Kit.request`` builds a member's request model from a suite's payload; a payload the contract rejects is a
    bug of the kit's suite, and the provider was never asked. It was a bare ValidationError, charged to the test's
    first check as a MUST failure: llama-stack 0.2.14's DPOAlignmentConfig requires reward_scale, reward_clip,
    epsilon and gamma, the suite sent only beta, and two post_training checks failed on
    llama-stack-provider-kft. Now the test's checks are inconclusive and the cause names the kit."""
    from types import SimpleNamespace

    from llama_conformance.behaviour.context import Kit
    from llama_conformance.contract import load_contract
    from llama_conformance.evidence import Inconclusive

    contract = load_contract("ogx_api")
    member = contract.surface("files").member("openai_retrieve_file")
    kit = SimpleNamespace(put=SimpleNamespace(contract=contract))
    assert Kit.request(kit, member, {"file_id": "file-1"}).file_id == "file-1"  # type: ignore[arg-type]
    with pytest.raises(Inconclusive) as raised:
        Kit.request(kit, member, {"file_id": ["not", "a", "string"]})  # type: ignore[arg-type]
    cause = raised.value.cause
    assert "the kit built a files.openai_retrieve_file request" in cause, cause
    assert "file_id: Input should be a valid string" in cause and "whoever maintains the kit must act" in cause
    assert raised.value.check_ids == []  # the report charges the test's first check, as inconclusive
