"""The second user's option (--llama-stack-second-user-header): nonsense is a usage error, values are secrets.

The tenancy suite's verdicts on a real deployment are tests/real/test_real_tenancy.py; here are the
option's rules, which need no server: it names a user of a deployment (no URL: exit 4), another
user than the first (the same headers: exit 4), in the header syntax (malformed: exit 4, naming
the flag and never the value), and its values never reach a rerun line or an answer unwatched.
Without a second user, the tenancy tests are not applicable, never passed.
"""

from __future__ import annotations

import pytest

from llama_conformance.behaviour.secrets import watched_secrets
from llama_conformance.errors import KitUsageError
from llama_conformance.target.options import HEADER_FLAG, SECOND_USER_FLAG, KitOptions, parse_headers

TOKEN_A = "kit-tenancy-first-user-0123456789"
TOKEN_B = "kit-tenancy-second-user-0123456789"
URL = "http://127.0.0.1:9"  # never contacted: the options are refused before the spec is fetched


def _options(**fields: object) -> KitOptions:
    base: dict[str, object] = dict(provider=None, provider_module=None, providers_dir=None, provider_config=None,
                                   api=None, api_package=None, timeout_s=10.0)
    return KitOptions(**{**base, **fields})  # type: ignore[arg-type]


def test_second_user_needs_a_deployment() -> None:
    with pytest.raises(KitUsageError, match="needs --llama-stack-url"):
        _options(provider="inline::kit-files", second_user_headers=(f"Authorization: Bearer {TOKEN_B}",))


def test_the_same_headers_for_both_users_are_refused() -> None:
    same = (f"Authorization: Bearer {TOKEN_A}",)
    with pytest.raises(KitUsageError, match="same headers as --llama-stack-header") as raised:
        _options(stack_url=URL, stack_headers=same, second_user_headers=(f"Authorization:   Bearer {TOKEN_A} ",))
    assert TOKEN_A not in str(raised.value)


def test_a_malformed_second_user_header_names_the_flag_not_the_value() -> None:
    with pytest.raises(KitUsageError, match="--llama-stack-second-user-header takes 'Name: value'") as raised:
        _options(stack_url=URL, second_user_headers=(f"Bearer{TOKEN_B}",))
    assert TOKEN_B not in str(raised.value)  # without a ':' the whole item may be the credential
    with pytest.raises(KitUsageError, match="--llama-stack-second-user-header"):
        _options(stack_url=URL, second_user_headers=(f"Bad Name: {TOKEN_B}",))
    # A space instead of the ':' puts the credential into the "name": it is not shown either.
    for flag in (HEADER_FLAG, SECOND_USER_FLAG):
        with pytest.raises(KitUsageError, match=f"{flag} takes 'Name: value'") as raised:
            parse_headers((f"Authorization Bearer {TOKEN_B}:x",), flag)
        assert TOKEN_B not in str(raised.value)


def test_second_user_values_are_redacted_from_the_rerun_line_and_watched_as_secrets() -> None:
    options = _options(stack_url=URL, stack_headers=(f"Authorization: Bearer {TOKEN_A}",),
                       second_user_headers=(f"Authorization: Bearer {TOKEN_B}",))
    rerun = " ".join(options.rerun_arguments())
    assert "--llama-stack-second-user-header=Authorization: <redacted>" in rerun
    assert TOKEN_A not in rerun and TOKEN_B not in rerun
    secrets = watched_secrets(None, {"Authorization": f"Bearer {TOKEN_A}"}, {"Authorization": f"Bearer {TOKEN_B}"})
    assert secrets[TOKEN_B] == "the credential in the --llama-stack-second-user-header `Authorization` value"
    assert TOKEN_A in secrets


@pytest.mark.parametrize("args", [
    (f"--llama-stack-second-user-header=Authorization: Bearer {TOKEN_B}", "--llama-provider=inline::kit-files"),
    (f"--llama-stack-url={URL}", f"--llama-stack-header=Authorization: Bearer {TOKEN_A}",
     f"--llama-stack-second-user-header=Authorization: Bearer {TOKEN_A}"),
    (f"--llama-stack-url={URL}", f"--llama-stack-second-user-header={TOKEN_B}"),
], ids=["no-url", "same-user", "malformed"])
def test_nonsense_is_a_usage_error_exit_4(pytester: pytest.Pytester, args: tuple[str, ...]) -> None:
    result = pytester.runpytest_subprocess(*args, "-p", "no:asyncio")
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + result.stderr.str()
    text = result.stdout.str() + result.stderr.str()
    assert "--llama-stack-second-user-header" in text and "Traceback" not in text
    assert TOKEN_A not in text and TOKEN_B not in text


def test_tenancy_tests_are_not_applicable_behind_the_kits_routers(pytester: pytest.Pytester) -> None:
    """--llama-over-http (a provider behind the kit's routers, no users): skipped as not applicable,
    never passed; in-process they are not collected at all (``http`` marker)."""
    result = pytester.runpytest_subprocess("--llama-provider=inline::kit-files", "--llama-over-http", "-p",
                                           "no:asyncio", "-rs", "--pyargs", "llama_conformance_suites.tenancy")
    outcomes = result.parseoutcomes()
    assert outcomes.get("skipped") == 1 and "passed" not in outcomes, result.stdout.str()
    assert "NOT APPLICABLE: per-user isolation is a deployment's" in result.stdout.str()
    in_process = pytester.runpytest_subprocess("--llama-provider=inline::kit-files", "-p", "no:asyncio",
                                               "--pyargs", "llama_conformance_suites.tenancy")
    assert in_process.parseoutcomes().get("deselected", 0) + in_process.parseoutcomes().get("skipped", 0) == 0
    assert "passed" not in in_process.parseoutcomes(), in_process.stdout.str()
