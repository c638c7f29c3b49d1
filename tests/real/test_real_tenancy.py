"""Per-user isolation on a real ogx 1.5 server with authentication: the tenancy suite's proof.

ogx runs with ``server.auth.provider_config: {type: custom}`` against an auth endpoint this
module serves on loopback: it maps each bearer token to a principal (and no attributes), as an
identity provider would. Two users (``--llama-stack-header`` / ``--llama-stack-second-user-header``)
then run the tenancy suite over files (localfs), vector stores (sqlite-vec), conversations and
stored responses (builtin, inference by remote::vllm at the kit's loopback OpenAI server) and
prompts (the server's own store):

* with the default access policy (a user reaches what it owns: ogx
  ``core/access_control/access_control.py`` ``default_policy``) every check passes: real ogx keeps
  the users apart (B's retrieve, list, read and delete of A's resources are 404s);
* with an ``access_policy`` that permits every user every action (a misconfigured deployment:
  ``ogx-auth-permit-all.yaml``) each check fails, naming user A's resource and the method that
  reached it. This is the checks' proof (``suites/tenancy/checks.py`` ``proven_elsewhere``).

llama-stack 0.7.3 with the same authentication (its offline config plus the ``custom`` auth block)
keeps files, vector stores, conversations and responses apart, but not prompts: its prompt
service stores prompts in a plain KV store with no owner and serves any of them to any user
(``llama_stack/core/prompts/prompts.py:128`` ``get_prompt``, ``:138`` ``create_prompt``; ogx 1.5's
prompt service takes the access policy: ``ogx/core/prompts/prompts.py``), a real defect.

A credential the deployment does not accept for the second user is inconclusive (B was refused
as nobody, so isolation was not exercised), never a pass.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpcore  # noqa: F401  (imported before pytester snapshots sys.modules: see test_real_servers_http.py)
import httpx  # noqa: F401
import pytest
from kitrun import KitRun

from llama_conformance_fixtures.openai_server import serve_openai_compatible
from llama_conformance_fixtures.servers import missing_reason, running_server, server_config

LLAMA_STACK_AUTH = """  auth:
    provider_config:
      type: custom
      endpoint: ${env.KIT_AUTH_URL}
"""

pytestmark = pytest.mark.slow

TESTS = ("test_files_are_per_user", "test_vector_stores_are_per_user", "test_conversations_are_per_user",
         "test_stored_responses_are_per_user", "test_prompts_are_per_user")
CHECKS = ("tenancy.files", "tenancy.vector-stores", "tenancy.conversations", "tenancy.responses", "tenancy.prompts")
# What each failure names first on the permit-all deployment: user B's retrieve of user A's resource.
FIRST_LEAK = ("file file-* with `files.openai_retrieve_file`",
              "vector store vs_* with `vector_io.openai_retrieve_vector_store`",
              "conversation conv_* with `conversations.get_conversation`",
              "stored response resp_* with `responses.get_openai_response`",
              "prompt pmpt_* with `prompts.get_prompt`")


class Users:
    """Two users' bearer tokens (fresh per test) and the auth endpoint that knows them."""

    def __init__(self) -> None:
        self.alice = f"kit-tenancy-alice-{secrets.token_hex(12)}"
        self.bob = f"kit-tenancy-bob-{secrets.token_hex(12)}"
        self.principals = {self.alice: "kit-user-alice", self.bob: "kit-user-bob"}
        self.url = ""

    def ready(self) -> dict[str, str]:
        """What the readiness probe sends: the server authenticates every route, /openapi.json too."""
        return {"Authorization": f"Bearer {self.alice}"}

    def headers(self, second: str | None = None) -> tuple[str, str]:
        return (f"--llama-stack-header=Authorization: Bearer {self.alice}",
                f"--llama-stack-second-user-header=Authorization: Bearer {second or self.bob}")


@pytest.fixture
def users() -> Iterator[Users]:
    """ogx's ``custom`` auth provider POSTs ``{"api_key": <token>, "request": ...}`` here and takes
    ``{"principal": ...}`` from a 200 (ogx core/server/auth_providers.py CustomAuthProvider)."""
    found = Users()

    class Endpoint(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body: Any = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
            principal = found.principals.get(body.get("api_key"))
            self.send_response(200 if principal else 401)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"principal": principal} if principal else {"message": "unknown"}).encode())

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    found.url = f"http://127.0.0.1:{server.server_port}/auth"
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


def _server(users: Users, config: str, kind: str = "ogx") -> Any:
    reason = missing_reason(kind)  # type: ignore[arg-type]
    if reason is not None:
        pytest.skip(reason)
    return config, {"KIT_AUTH_URL": users.url}


def _run(pytester: pytest.Pytester, url: str, *extra: str) -> KitRun:
    result = pytester.runpytest_subprocess(f"--llama-stack-url={url}", "-p", "no:asyncio", "-v", "-rA",
                                           "--pyargs", "llama_conformance_suites.tenancy", *extra, timeout=600)
    return KitRun.parse(result)


def _no_token_printed(run: KitRun, users: Users) -> None:
    text = run.result.stdout.str() + run.result.stderr.str()
    assert users.alice not in text and users.bob not in text


def test_default_policy_keeps_users_apart(pytester: pytest.Pytester, users: Users) -> None:
    """Real ogx with the default policy passes every tenancy check; a second user it does not know
    makes the checks inconclusive, not passed."""
    config, env = _server(users, "ogx-auth-two-users.yaml")
    with serve_openai_compatible() as openai_url, running_server(
            "ogx", server_config(config), env={**env, "KIT_OPENAI_URL": openai_url + "/v1"},
            ready_headers=users.ready()) as server:
        run = _run(pytester, server.url, *users.headers())
        unknown = _run(pytester, server.url, *users.headers(second=f"kit-tenancy-nobody-{secrets.token_hex(12)}"),
                       "-k", "files_are_per_user")
    run.expect(passed=len(TESTS))
    assert run.ids("PASSED") == set(TESTS)
    _no_token_printed(run, users)
    unknown.expect(passed=0, inconclusive=1)
    unknown.result.stdout.fnmatch_lines(["*answered 401 to user B's `files.openai_retrieve_file`*"])


def test_permit_all_policy_fails_every_tenancy_check(pytester: pytest.Pytester, users: Users) -> None:
    """A deployment whose access policy permits every user every action: each check fails, naming
    user A's resource and the method user B reached it with."""
    config, env = _server(users, "ogx-auth-permit-all.yaml")
    with serve_openai_compatible() as openai_url, running_server(
            "ogx", server_config(config), env={**env, "KIT_OPENAI_URL": openai_url + "/v1"},
            ready_headers=users.ready()) as server:
        run = _run(pytester, server.url, *users.headers())
    run.result.assert_outcomes(passed=0, failed=len(TESTS))
    assert run.ids("FAILED") == set(TESTS), run.result.stdout.str()
    # Every failure is its own check's, and nothing else failed: the verdict lists exactly these four.
    run.result.stdout.fnmatch_lines([f"*{len(CHECKS)} Core MUST check(s) failed: {', '.join(sorted(CHECKS))}"])
    run.result.stdout.fnmatch_lines_random([
        f"*CheckFailed: [[]MUST {check}] user B retrieved user A's {leak}, and the deployment answered with success*"
        for check, leak in zip(CHECKS, FIRST_LEAK, strict=True)])
    _no_token_printed(run, users)


def test_llama_stack_serves_one_users_prompts_to_another(pytester: pytest.Pytester, users: Users,
                                                          tmp_path: Path) -> None:
    """llama-stack 0.7.3 with authentication and its default policy: four kinds are per-user; prompts
    are not (a real defect: its prompt service has no owner and no access check)."""
    config, env = _server(users, "llama-stack-offline-11-apis.yaml", "llama-stack")
    text = server_config(config).read_text()
    with_auth = tmp_path / "llama-stack-auth-two-users.yaml"
    anchor = "\nserver:\n  host: 127.0.0.1\n"
    assert anchor in text  # the block the auth settings go under
    with_auth.write_text(text.replace(anchor, anchor + LLAMA_STACK_AUTH))
    with serve_openai_compatible() as openai_url, running_server(
            "llama-stack", with_auth, env={**env, "KIT_OPENAI_URL": openai_url + "/v1"},
            ready_headers=users.ready()) as server:
        run = _run(pytester, server.url, *users.headers())
    run.result.assert_outcomes(passed=len(TESTS) - 1, failed=1)
    assert run.ids("FAILED") == {"test_prompts_are_per_user"}, run.result.stdout.str()
    run.result.stdout.fnmatch_lines_random([
        "*1 Core MUST check(s) failed: tenancy.prompts",
        "*CheckFailed: [[]MUST tenancy.prompts] user B retrieved user A's prompt pmpt_* with `prompts.get_prompt`, "
        "and the deployment answered with success*"])
    _no_token_printed(run, users)
