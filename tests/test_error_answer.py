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
