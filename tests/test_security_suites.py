"""security.secret-in-error: a config secret never leaves the provider, and the kit never prints it.

- the detector finds a secret in an exception chain, an answer, a stream and log records, in the
  encodings a leak takes (base64, a ``Bearer`` header, percent-encoding), looks only for
  credentials (not the URL or model an env variable gives), and its finding never holds the
  secret nor a long prefix of it;
- a leak fails even when the backend was down: a leak is a leak whatever made the error;
- each ``security-key-*`` fixture is caught in-process and over HTTP, the finding names the member
  and the place, and the key is in neither the kit's output nor its report files; the good twin
  (``security-key-kept``, same key, same logging, masked) passes; a run with no secret says the
  check is not applicable.
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import pytest
from pydantic import BaseModel, SecretStr
from tests_support import run_kit_batch

from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.behaviour.judge import CheckFailed, Judge
from llama_conformance.behaviour.secrets import SecretWatch, watched_secrets
from llama_conformance.capabilities import Manifest
from llama_conformance.checks import CHECKS
from llama_conformance.evidence import Evidence, EvidenceLog

KEY = "sk-kit-test-5d1e8f0a9b7c3e2d"  # what the kit runs give the provider through the environment
KEY_ENV = "LLAMA_CONFORMANCE_TEST_SECRET_KEY"


def _record(message: str, *args: object, name: str = "provider.client",
            exc: BaseException | None = None) -> logging.LogRecord:
    return logging.LogRecord(name, logging.WARNING, __file__, 1, message, args,
                             (type(exc), exc, exc.__traceback__) if exc else None)


def _raised(outer: BaseException, inner: BaseException) -> BaseException:
    """``outer`` as ``raise outer from inner`` leaves it."""
    outer.__cause__ = inner
    return outer


def _no_secret(text: str) -> None:
    assert KEY not in text and KEY[:12] not in text, text


# ----------------------------------------------------------------------------- the detector


def test_a_key_in_the_cause_of_an_error_is_found_and_redacted() -> None:
    watch = SecretWatch({KEY: "the provider config's `api_key`"})
    error = _raised(ValueError("could not list models"), RuntimeError(f"401 for key {KEY} at https://api.example"))
    found = watch.findings("inference.list_models", Outcome(member="inference.list_models", error=error), [])
    assert len(found) == 1 and found[0].check.id == "security.secret-in-error"
    message = found[0].message
    assert "exception message of its __cause__ (RuntimeError): '401 for key *** at https://api.example'" in message
    assert "the provider config's `api_key`" in message and "inference.list_models" in message
    _no_secret(message)


def test_answers_streams_and_log_records_are_searched_where_a_client_or_log_reader_sees_them() -> None:
    class Answer(BaseModel):
        choices: list[dict[str, str]]

    watch = SecretWatch({KEY: "a SecretStr value of the provider config"})
    answer = Outcome(member="m", value=Answer(choices=[{"content": f"key={KEY}"}]))
    assert "response at $.choices[0].content: 'key=***'" in watch.findings("m", answer, [])[0].message
    stream = Outcome(member="m", chunks=[{"delta": "hello"}, {"delta": KEY}, {"delta": KEY}])
    assert "stream chunk #2 at $.delta: '***' (and in 1 later chunk(s))" in watch.findings("m", stream, [])[0].message
    records = [_record("calling with api_key=%s", KEY),
               _record("request failed", exc=_raised(ValueError("wrapped"), KeyError(KEY)), name="sdk.http")]
    message = watch.findings("m", Outcome(member="m"), records)[0].message
    assert "log record of logger 'provider.client' (WARNING) message: 'calling with api_key=***'" in message
    assert "log record of logger 'sdk.http' (WARNING) traceback" in message
    _no_secret(message)


@pytest.mark.parametrize(("shown", "encoding"), [
    (base64.b64encode(KEY.encode()).decode(), "base64"),
    (base64.urlsafe_b64encode(KEY.encode()).decode().rstrip("="), "base64"),
    ("https://api.example/v1?key=" + KEY, None),
    ("{'Authorization': 'Bearer " + KEY + "'}", None),
])
def test_encodings_a_leak_takes_are_found(shown: str, encoding: str | None) -> None:
    watch = SecretWatch({KEY: "the key"})
    found = watch.findings("m", Outcome(member="m", error=ValueError(f"headers: {shown}")), [])
    assert found, shown
    if encoding:
        assert f"({encoding})" in found[0].message
        assert base64.b64encode(KEY.encode()).decode()[:12] not in found[0].message
    _no_secret(found[0].message)


def test_a_percent_encoded_key_in_a_url_is_found() -> None:
    secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"  # AWS's documented example: '/' and '+' get encoded
    watch = SecretWatch({secret: "the key"})
    error = ValueError("GET https://s3.example/?sig=wJalrXUtnFEMI%2FK7MDENG%2BbPxRfiCYEXAMPLEKEY failed")
    [found] = watch.findings("m", Outcome(member="m", error=error), [])
    assert "(percent-encoded): 'GET https://s3.example/?sig=*** failed'" in found.message


def test_a_header_token_after_its_scheme_is_a_secret_of_its_own() -> None:
    secrets = watched_secrets(None, {"Authorization": f"Bearer {KEY}", "X-Tenant": "acme"})
    assert secrets[KEY] == "the credential in the --llama-stack-header `Authorization` value"
    assert f"Bearer {KEY}" in secrets and "acme" not in secrets  # too short to look for without false alarms


def test_only_credentials_are_watched_not_addresses_or_model_names() -> None:
    class Config(BaseModel):
        api_key: SecretStr
        hf_token: str = "hf_kitkitkitkitkit"
        url: str = "http://inference.internal:8000/v1"
        model: str = "meta-llama/Llama-3.2-3B-Instruct"
        max_tokens: int = 4096
        password_hint: str = "short"

    secrets = watched_secrets(Config(api_key=SecretStr(KEY)))
    assert set(secrets) == {KEY, "hf_kitkitkitkitkit"}
    watch = SecretWatch(secrets)
    # naming the address it could not reach, or the key's last four characters, is not a leak
    error = ValueError(f"Connection refused at http://inference.internal:8000/v1 (key ending in {KEY[-4:]})")
    assert watch.findings("m", Outcome(member="m", error=error), []) == []
    too_short = Config.model_construct(api_key=SecretStr("abc"), hf_token="")
    assert not SecretWatch(watched_secrets(too_short))  # nothing to watch


def test_no_long_prefix_of_a_secret_survives_in_an_excerpt() -> None:
    watch = SecretWatch({KEY: "the key"})
    text = watch.redact(f"full {KEY} and truncated {KEY[:15]}...")
    assert text == "full *** and truncated ***..."


def test_a_leak_fails_even_when_the_backend_was_down() -> None:
    """The same error that makes other checks inconclusive (a refused connection) carries the key."""
    log = EvidenceLog()
    judge = Judge(manifest=Manifest(), evidence=log, mark=log.mark())
    log.entries.append(Evidence("environment", "inference.openai_chat_completion", "backend at 127.0.0.1:9 down"))
    watch = SecretWatch({KEY: "the key"})
    error = _raised(ValueError(f"connect failed with key {KEY}"), ConnectionRefusedError(111, "Connection refused"))
    found = watch.findings("inference.openai_chat_completion", Outcome(member="x", error=error), [])
    with pytest.raises(CheckFailed) as failed:
        judge.fail_regardless(found)
    assert "[MUST security.secret-in-error]" in str(failed.value)
    # The plugin's decide() leaves a failure of environment-proof checks failed, whatever the evidence.
    assert CHECKS["security.secret-in-error"].environment_proof


# ----------------------------------------------------------------------------- kit runs

FIXTURES = {
    # fixture -> (member, where) the finding must name
    "security-key-in-error": ("inference.", "exception message (ValueError): 'bad request with key ***"),
    "security-key-in-response": ("inference.openai_chat_completion", "at $.system_fingerprint: 'fp-***'"),
    "security-key-logged": ("inference.openai_chat_completion",
                            "log record of logger 'llama_conformance_fixtures.broken.security_key_logged' "
                            "(WARNING) message: 'calling kit-echo with api_key=***'"),
}
HTTP_WHERE = {"security-key-in-error": "HTTP error body (status 400) at $.error.message: 'bad request with key ***"}
MODES = {"in-process": (), "over-http": ("--llama-over-http",)}


def _runs(tmp_path: Path, mode: str) -> dict[str, tuple[pytest.RunResult, Path]]:
    names = [*FIXTURES, "security-key-kept"]
    args = [(f"--llama-provider=inline::broken-{name}", *MODES[mode], "--hypothesis-seed=1",
             f"--llama-report={tmp_path / name}") for name in names]
    results = run_kit_batch(tmp_path, args)
    return {name: (result, tmp_path / name) for name, result in zip(names, results, strict=True)}


@pytest.fixture(scope="module")
def kit_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, tuple[pytest.RunResult, Path]]]:
    """Each fixture in one mode, with the key from the environment: one process per mode, run once
    per xdist worker that asks for it (each mode is its own xdist group, so the two run side by side)."""
    return {}


def _mode_runs(kit_runs: dict[str, dict[str, tuple[pytest.RunResult, Path]]], mode: str,
               tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[pytest.RunResult, Path]]:
    if mode not in kit_runs:
        mp = pytest.MonkeyPatch()
        mp.setenv(KEY_ENV, KEY)
        try:
            kit_runs[mode] = _runs(tmp_path_factory.mktemp(mode), mode)
        finally:
            mp.undo()
    return kit_runs[mode]


def _everything_written(result: pytest.RunResult, report: Path) -> str:
    files = [path.read_text(errors="replace") for path in sorted(report.rglob("*")) if path.is_file()]
    assert files, f"no report written in {report}"
    return "\n".join([result.stdout.str(), *files])


def _statuses(report: Path) -> dict[str, str]:
    return {check["id"]: check["status"] for check in json.loads((report / "report.json").read_text())["checks"]}


MODE_PARAMS = [pytest.param(mode, marks=[pytest.mark.slow, pytest.mark.xdist_group(f"security-{mode}")])
               for mode in MODES]


@pytest.mark.parametrize("mode", MODE_PARAMS)
@pytest.mark.parametrize("fixture", list(FIXTURES))
def test_a_leaking_provider_is_caught_and_its_key_is_never_printed(kit_runs, tmp_path_factory, fixture: str,
                                                                    mode: str) -> None:
    result, report = _mode_runs(kit_runs, mode, tmp_path_factory)[fixture]
    out = result.stdout.str()
    assert result.ret == 1, out
    member, where = FIXTURES[fixture]
    where = HTTP_WHERE.get(fixture, where) if mode == "over-http" else where
    findings = [line for line in out.splitlines() if "[MUST security.secret-in-error]" in line]
    assert any(member in line and where in line for line in findings), "\n".join(findings) or out[-3000:]
    assert "a SecretStr value of the provider config" in findings[0]
    # the dedicated test catches it on its own, and the check is charged in the report
    assert "FAILED security/test_secrets.py::test_no_secret_in_errors_answers_or_logs" in out or \
        fixture != "security-key-in-error", out[-3000:]
    assert _statuses(report)["security.secret-in-error"] == "failed"
    assert json.loads((report / "report.json").read_text())["verdict"] == "Not conformant"
    everything = _everything_written(result, report)
    assert KEY not in everything and KEY[:12] not in everything
    assert base64.b64encode(KEY.encode()).decode()[:16] not in everything


@pytest.mark.parametrize("mode", MODE_PARAMS)
def test_a_provider_that_keeps_its_key_passes(kit_runs, tmp_path_factory, mode: str) -> None:
    """Same key, same log lines and errors, with the key masked or named by its last four characters."""
    result, report = _mode_runs(kit_runs, mode, tmp_path_factory)["security-key-kept"]
    assert result.ret == 0, result.stdout.str()
    assert "security.secret-in-error" not in result.stdout.str().split("verdict")[-1]
    assert _statuses(report)["security.secret-in-error"] == "passed"
    _no_secret(_everything_written(result, report))


@pytest.mark.slow
def test_a_run_without_secrets_says_the_check_is_not_applicable(tmp_path: Path) -> None:
    [result] = run_kit_batch(tmp_path, [("--llama-provider=inline::kit-inference", "-m", "behavioral",
                                         "-k", "test_models_listed", f"--llama-report={tmp_path / 'report'}")])
    assert result.ret == 0, result.stdout.str()
    assert "test_secrets" not in result.stdout.str()  # left out at collection, not skipped in every run
    result.stdout.fnmatch_lines(["*the run holds no secret to look for*"])
    assert _statuses(tmp_path / "report")["security.secret-in-error"] == "not-applicable"



@pytest.mark.slow
def test_an_inconclusive_cause_is_redacted_like_a_failure(run_suites, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The backend's address comes from an environment variable the config references (a secret to the kit):
    the inconclusive causes quoting the unreachable address show it as ``***`` in the terminal, JUnit and the
    report, as a failure's message would."""
    monkeypatch.setenv("KIT_BACKEND_HOST", "127.0.0.1")
    config = tmp_path / "backend.yaml"
    config.write_text("backend_url: http://${env.KIT_BACKEND_HOST}:9\n")
    result = run_suites("inline::broken-files-backend-unreachable", f"--llama-provider-config={config}",
                        "--hypothesis-seed=1", f"--llama-report={tmp_path / 'report'}",
                        f"--junitxml={tmp_path / 'junit.xml'}", "-m", "behavioral")
    lines = [line for line in result.stdout.lines if "could not be reached" in line]
    assert lines and all("127.0.0.1" not in line and "***:9" in line for line in lines), result.stdout.str()
    assert "127.0.0.1" not in (tmp_path / "junit.xml").read_text()
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert report["inconclusive"] and all("127.0.0.1" not in entry["cause"] for entry in report["inconclusive"])
