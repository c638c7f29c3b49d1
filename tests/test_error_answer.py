"""The kit judges a provider's exception by the status the server would send for it."""

from __future__ import annotations

import pydantic
import pytest
from tests_support import requires

from llama_conformance.contract import load_contract
from llama_conformance.contract.errors import error_answer


class SdkError(Exception):
    status_code = 429


@pytest.mark.parametrize("make,status", [
    (lambda api: api.ModelNotFoundError("m"), 404),
    (lambda api: api.OpenAIFileObjectNotFoundError("f"), 404),
    (lambda api: ValueError("bad"), 400),
    (lambda api: NotImplementedError(), 501),
    (lambda api: ConnectionError(), 502),
    (lambda api: TimeoutError(), 504),
    (lambda api: PermissionError(), 403),
    (lambda api: SdkError(), 429),
    (lambda api: KeyError("x"), 500),
    (lambda api: AttributeError("x"), 500),
    (lambda api: TypeError("x"), 500),
])
def test_status_mirrors_the_server(make, status: int) -> None:
    requires("ogx_api")
    contract = load_contract("ogx_api")
    answer = error_answer(make(contract.package.module), contract.package)
    assert answer.status == status
    assert answer.client_error == (400 <= status < 500)
    assert answer.server_error == (status >= 500 and status != 501)


def test_pydantic_validation_error_is_a_bad_request() -> None:
    requires("ogx_api")
    class Strict(pydantic.BaseModel):
        n: int

    with pytest.raises(pydantic.ValidationError) as info:
        Strict.model_validate({"n": "x"})
    assert error_answer(info.value, load_contract("ogx_api").package).status == 400


def _named(module: str, name: str, base: type[Exception]) -> Exception:
    """An instance of a class named as llama-stack 0.2's server names it (the server is not installed here)."""
    return type(name, (base,), {"__module__": module})()


@pytest.mark.parametrize("make,status", [
    (lambda: ValueError("File with id f not found"), 400),  # its providers' not-found: no 404 in 0.2
    (lambda: NotImplementedError(), 501),
    (lambda: TimeoutError(), 504),
    (lambda: PermissionError(), 403),
    (lambda: _named("llama_stack.distribution.access_control.access_control", "AccessDeniedError", RuntimeError),
     403),
    (lambda: _named("llama_stack.distribution.datatypes", "AuthenticationRequiredError", Exception), 401),
    (lambda: _named("openai", "BadRequestError", Exception), 400),
    (lambda: ConnectionError(), 500),  # 502 only from llama-stack-api 0.4 on
    (lambda: SdkError(), 500),  # 0.2 reads no status_code
    (lambda: KeyError("x"), 500),
])
def test_presplit_status_mirrors_its_server(make, status: int) -> None:
    """llama-stack 0.2.14's ``translate_exception`` (distribution/server/server.py:99-133), not the newer table."""
    from llama_conformance.contract.packages import ApiPackage

    package = ApiPackage(name="llama_stack.apis", distribution="llama-stack", version="0.2.14")
    assert error_answer(make(), package).status == status
