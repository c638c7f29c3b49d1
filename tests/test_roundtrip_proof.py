"""The judge skips the pydantic round trip only where a schema pass proves it (``schema_implies_roundtrip``).

Skipping it halves the cost of a stream chunk, so the proof must be conservative: anything
pydantic checks that the JSON Schema cannot state keeps the round trip, and a value that
only the round trip catches is still caught.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, Field, computed_field, field_validator

from llama_conformance.validate import STREAM_CHUNK_ROUNDTRIP, stream_checker, validate_value
from llama_conformance.validate.compiled import compiled
from llama_conformance.validate.errata import COMPLETION_STREAM_ERRATA, DEFAULT_ERRATA, Erratum


class Inner(BaseModel):
    index: int = Field(ge=0)
    text: str | None = None


class Plain(BaseModel):
    id: str
    kind: str = "chunk"
    score: float | None = None
    parts: list[Inner] = []


class Validated(BaseModel):
    id: str

    @field_validator("id")
    @classmethod
    def _prefixed(cls, value: str) -> str:
        if not value.startswith("x-"):
            raise ValueError("id must start with x-")
        return value


class NoneNotAdmitted(BaseModel):
    """The null-stripped erratum re-admits null for a None default; pydantic still refuses it."""

    id: str
    name: str = None  # type: ignore[assignment]


class Patterned(BaseModel):
    id: str = Field(pattern=r"^x-\d+$")


class Aliased(BaseModel):
    id: str = Field(alias="ID")


class Computed(BaseModel):
    id: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def size(self) -> int:
        return len(self.id)


def implied(tp: Any, errata: tuple[Erratum, ...] = DEFAULT_ERRATA) -> bool:
    ct = compiled(tp)
    return ct.schema_implies_roundtrip(ct.effective(errata))


def test_plain_models_are_proven() -> None:
    assert implied(Plain)
    assert implied(list[Plain])


@pytest.mark.parametrize("tp", [Validated, NoneNotAdmitted, Patterned, Aliased, Computed])
def test_what_the_schema_cannot_state_keeps_the_round_trip(tp: type[BaseModel]) -> None:
    assert not implied(tp)


def test_the_contracts_chat_chunk_is_proven_and_the_text_completion_erratum_is_not() -> None:
    pytest.importorskip("ogx_api")
    from llama_conformance.contract import load_contract

    inference = load_contract("ogx_api").surface("inference").members
    chunk = next(m for m in inference if m.name == "openai_chat_completion").chunk_type
    text = next(m for m in inference if m.name == "openai_completion").chunk_type
    assert implied(chunk)
    # finish_reason: null is admitted by the erratum's schema, refused by pydantic (and forgiven)
    assert not implied(text, COMPLETION_STREAM_ERRATA)


def test_a_value_only_the_round_trip_catches_is_still_caught_in_a_stream() -> None:
    good = {"id": "a", "name": "n"}
    bad = {"id": "a", "name": None}  # the relaxed schema accepts it; NoneNotAdmitted does not
    findings = stream_checker(NoneNotAdmitted, method="test.stream").check_all([good, good, bad])
    assert [(f.check.id, f.erratum) for f in findings if not f.erratum] == [(STREAM_CHUNK_ROUNDTRIP, None)]
    assert "chunk #3" in findings[-1].message
    assert [f for f in stream_checker(NoneNotAdmitted, method="test.stream").check_all([good, good])
            if not f.erratum] == []


def test_a_proven_type_still_fails_what_its_schema_refuses() -> None:
    findings = validate_value({"id": "a", "parts": [{"index": -1}]}, Plain, method="test.get")
    assert [f.check.id for f in findings] == ["response.schema", "response.roundtrip"]  # as before the proof
    assert validate_value(Plain(id="a", parts=[Inner(index=0)]), Plain, method="test.get", in_process=True) == []
