"""The request strategies: pydantic accepts the valid family and rejects the invalid one.

The acceptance table covers every request model of both API packages. ``llama_stack_api`` is
measured in a subprocess (started first, so both packages are measured at once on two cores):
importing it in this process, after ``ogx_api``, is allowed, but a subprocess keeps this
module independent of whatever other test modules imported. ``pytest -s`` prints both tables.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Annotated, Any, Literal

import ogx_api  # noqa: F401 - first, before anything could import llama_stack_api
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from ogx_api.files.models import RetrieveFileRequest
from ogx_api.inference.models import OpenAIChatCompletionRequestWithExtraBody as Chat
from ogx_api.inference.models import OpenAIFileFile
from ogx_api.messages.models import CreateMessageBatchRequest
from ogx_api.responses.models import CancelResponseRequest
from pydantic import BaseModel, Field, ValidationError, field_validator

from llama_conformance.strategies import (
    MUTATION_KINDS,
    AcceptanceRow,
    InvalidRequest,
    ValueHints,
    acceptance_table,
    format_table,
    invalid_requests,
    measure,
    request_models_of,
    request_payloads,
    valid_requests,
)
from llama_conformance.strategies import acceptance as acceptance_module
from llama_conformance.strategies.catalog import unique_models
from llama_conformance.strategies.sampling import DISCARDED, draws

DRAWS = 100  # per model and family: ~7 s of CPU per package
MIN_VALID_RATE = 0.95
MAX_DISCARD_RATE = 0.05  # a strategy may not look good by throwing draws away
ROOT = Path(__file__).resolve().parents[1]
FAST = settings(max_examples=60, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_SUBPROCESS_TABLE = """
import json, sys
from llama_conformance.strategies import acceptance_table, request_models_of
from llama_conformance.strategies.catalog import unique_models
models = unique_models(request_models_of(sys.argv[1]))
rows = acceptance_table(models, draws=int(sys.argv[2]), seed=0)
accepts_empty = {}
for model, row in zip(models, rows):
    if not row.invalid_possible:
        try:
            model.model_validate({}); model.model_validate({"anything": [1, {"x": None}]})
            accepts_empty[row.model] = True
        except Exception:
            accepts_empty[row.model] = False
print(json.dumps({"rows": [r.as_dict() for r in rows], "accepts_empty": accepts_empty}))
"""


def _row(data: dict[str, Any]) -> AcceptanceRow:
    names = {f.name for f in fields(AcceptanceRow)}
    return AcceptanceRow(**{k: (tuple(v) if k == "failures" else v) for k, v in data.items() if k in names})


def valid_problems(row: AcceptanceRow) -> list[str]:
    """Why a row's valid family fails the bar (empty: it passes)."""
    problems = []
    total = row.draws + row.discarded_valid
    if row.rate < MIN_VALID_RATE:
        problems.append(f"valid acceptance {row.rate:.1%} < {MIN_VALID_RATE:.0%}")
    if row.discarded_valid > MAX_DISCARD_RATE * total:
        problems.append(f"{row.discarded_valid}/{total} valid draws discarded")
    if row.not_json:
        problems.append(f"{row.not_json} payloads are not plain JSON")
    return problems


def invalid_problems(row: AcceptanceRow) -> list[str]:
    """Why a row's invalid family fails the bar (empty: it passes)."""
    if not row.invalid_possible:
        return []
    problems = []
    total = row.invalid_draws + row.discarded_invalid
    if row.invalid_rate < 1.0:
        problems.append(f"invalid rejection {row.invalid_rate:.1%} < 100%")
    if row.discarded_invalid > MAX_DISCARD_RATE * total:
        problems.append(f"{row.discarded_invalid}/{total} invalid draws discarded")
    return problems


def meets_bar(row: AcceptanceRow) -> list[str]:
    return valid_problems(row) + invalid_problems(row)


@pytest.fixture(scope="module")
def tables() -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("LLAMA_CONFORMANCE_PUBLIC_DRAW", None)
    other = subprocess.Popen(
        [sys.executable, "-c", _SUBPROCESS_TABLE, "llama_stack_api", str(DRAWS)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    ogx_models = unique_models(request_models_of("ogx_api"))
    ogx_rows = acceptance_table(ogx_models, draws=DRAWS, seed=0)
    out, err = other.communicate(timeout=600)
    assert other.returncode == 0, err[-3000:]
    ls = json.loads(out.strip().splitlines()[-1])
    result = {
        "ogx_api": ogx_rows,
        "llama_stack_api": [_row(r) for r in ls["rows"]],
        "accepts_empty": {
            **{f"{m.__module__}.{m.__qualname__}": _accepts_anything(m) for m in ogx_models},
            **ls["accepts_empty"],
        },
    }
    for package in ("ogx_api", "llama_stack_api"):
        rows = result[package]
        worst = min(rows, key=lambda r: r.rate)
        print(f"\n=== {package}: {len(rows)} request models, {DRAWS} draws per family, seed 0 ===")
        print(f"min valid acceptance {worst.rate:.1%} ({worst.model.rsplit('.', 1)[-1]})")
        print(format_table(rows))
    return result


def _accepts_anything(model: type[BaseModel]) -> bool:
    try:
        model.model_validate({})
        model.model_validate({"anything": [1, {"x": None}]})
    except ValidationError:
        return False
    return True


# -- the acceptance table -----------------------------------------------------------------


def test_every_request_model_of_both_packages_is_measured(tables: dict[str, Any]) -> None:
    ogx_expected = {f"{m.__module__}.{m.__qualname__}" for m in unique_models(request_models_of("ogx_api"))}
    assert {r.model for r in tables["ogx_api"]} == ogx_expected
    ls_names = {r.model for r in tables["llama_stack_api"]}
    assert len(ls_names) == len(tables["llama_stack_api"]) >= 50
    for package in ("ogx_api", "llama_stack_api"):
        chat = f"{package}.inference.models.OpenAIChatCompletionRequestWithExtraBody"
        assert chat in {r.model for r in tables[package]}


@pytest.mark.parametrize("package", ["ogx_api", "llama_stack_api"])
def test_pydantic_accepts_at_least_95_percent_of_every_valid_family(tables: dict[str, Any], package: str) -> None:
    failing = {r.model: valid_problems(r) for r in tables[package] if valid_problems(r)}
    assert not failing


@pytest.mark.parametrize("package", ["ogx_api", "llama_stack_api"])
def test_pydantic_rejects_every_invalid_request(tables: dict[str, Any], package: str) -> None:
    failing = {r.model: invalid_problems(r) for r in tables[package] if invalid_problems(r)}
    assert not failing
    for row in tables[package]:
        if row.invalid_possible:
            assert row.invalid_draws > 0, row.model
        else:  # the only excuse for no invalid family: the model takes any JSON object
            assert tables["accepts_empty"][row.model], row.model


def test_every_mutation_kind_appears(tables: dict[str, Any]) -> None:
    seen: dict[str, int] = {}
    for package in ("ogx_api", "llama_stack_api"):
        for row in tables[package]:
            for kind, count in row.kinds.items():
                seen[kind] = seen.get(kind, 0) + count
    assert set(MUTATION_KINDS) <= set(seen), f"kinds never drawn: {set(MUTATION_KINDS) - set(seen)}"


def test_the_bar_catches_a_validator_the_schema_does_not_show() -> None:
    class Picky(BaseModel):
        name: str

        @field_validator("name", mode="before")
        @classmethod
        def _only_ok(cls, value: Any) -> Any:
            if not str(value).startswith("ok"):
                raise ValueError("must start with ok")
            return value

    row = measure(Picky, 60, 0)
    assert row.rate < MIN_VALID_RATE
    assert valid_problems(row)


def test_the_bar_catches_a_filter_that_discards_everything() -> None:
    class Never(BaseModel):
        name: str

        @field_validator("name")
        @classmethod
        def _never(cls, value: str) -> str:
            raise ValueError("no value is ever right")

    row = measure(Never, 40, 0)
    assert row.discarded_valid == 40
    assert any("discarded" in p for p in valid_problems(row))


def test_the_bar_catches_an_invalid_request_that_pydantic_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    accepted = InvalidRequest(payload={"file_id": "file-1"}, mutation="file_id: nothing changed", kind="wrong_type")
    monkeypatch.setattr(acceptance_module, "invalid_requests", lambda model, hints=None: st.just(accepted))
    row = measure(RetrieveFileRequest, 20, 0)
    assert row.invalid_rate == 0.0
    assert any(p.startswith("invalid rejection") for p in invalid_problems(row))


def test_a_good_model_passes_the_bar() -> None:
    assert meets_bar(measure(RetrieveFileRequest, 40, 0)) == []


def test_the_table_is_deterministic_for_a_seed() -> None:
    first = acceptance_table([Chat, RetrieveFileRequest], draws=30, seed=7)
    again = acceptance_table([Chat, RetrieveFileRequest], draws=30, seed=7)
    assert [r.kinds for r in first] == [r.kinds for r in again]
    assert [(r.accepted, r.rejected) for r in first] == [(r.accepted, r.rejected) for r in again]
    a = list(draws(request_payloads(Chat), 20, 7))
    assert a == list(draws(request_payloads(Chat), 20, 7))
    assert a != list(draws(request_payloads(Chat), 20, 8))


# -- shapes pydantic and JSON Schema disagree on -------------------------------------------


class _A(BaseModel):
    type: Literal["a"] = "a"
    x: int


class _B(BaseModel):
    type: Literal["b"] = "b"
    y: str = Field(min_length=2, max_length=4)


class _Holder(BaseModel):
    items: list[Annotated[_A | _B, Field(discriminator="type")]] = Field(min_length=1)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_k: Annotated[int | None, Field(ge=1)] = None
    stop: str | list[str] | None = None
    extra: dict[str, Any] | None = None


def test_a_defaulted_discriminator_is_always_sent() -> None:
    row = measure(_Holder, 200, 0)
    assert meets_bar(row) == []
    for payload in draws(request_payloads(_Holder), 100, 1):
        assert all("type" in item for item in payload["items"])


def test_constraints_inside_optional_and_unions_are_mutated() -> None:
    kinds = {item.kind for item in draws(invalid_requests(_Holder), 300, 0) if item is not DISCARDED}
    assert {"out_of_range", "too_short", "too_long", "unknown_tag", "missing_required", "wrong_type"} <= kinds


class _Tree(BaseModel):
    name: str
    children: list[_Tree] = []


def _depth(tree: dict[str, Any]) -> int:
    return 1 + max([_depth(child) for child in tree.get("children", [])], default=0)


def test_recursive_models_are_drawn_to_a_bounded_depth() -> None:
    assert meets_bar(measure(_Tree, 100, 0)) == []
    depths = [_depth(p) for p in draws(request_payloads(_Tree), 200, 0)]
    assert max(depths) == 2  # nested once (MAX_RECURSION), never unbounded


def test_payloads_stay_small() -> None:
    for payload in draws(request_payloads(Chat), 200, 3):
        if payload is DISCARDED:  # a draw the strategy threw away (draws() documents it)
            continue
        assert 1 <= len(payload["messages"]) <= 3
        assert len(json.dumps(payload)) < 20_000


# -- hints --------------------------------------------------------------------------------

MODEL_IDS = ["llama3.2:3b", "qwen3:0.6b"]
HINTS = ValueHints({"model": st.sampled_from(MODEL_IDS), "file_id": st.just("file-abc123")})


@FAST
@given(request_payloads(Chat, HINTS))
def test_every_chat_request_uses_the_hinted_model(payload: dict[str, Any]) -> None:
    assert payload["model"] in MODEL_IDS


@FAST
@given(valid_requests(Chat, HINTS))
def test_valid_chat_requests_carry_the_hinted_model(request: Chat) -> None:
    assert request.model in MODEL_IDS


@FAST
@given(request_payloads(CreateMessageBatchRequest, HINTS))
def test_the_model_hint_applies_at_depth(payload: dict[str, Any]) -> None:
    for entry in payload["requests"]:  # requests[i].params.model, three levels down
        assert entry["params"]["model"] in MODEL_IDS


@FAST
@given(request_payloads(RetrieveFileRequest, HINTS))
def test_a_file_id_hint_fills_retrieve_file_request(payload: dict[str, Any]) -> None:
    assert payload["file_id"] == "file-abc123"
    assert RetrieveFileRequest.model_validate(payload).file_id == "file-abc123"


def test_without_hints_the_model_is_arbitrary() -> None:
    models = {p["model"] for p in draws(request_payloads(Chat), 50, 0)}
    assert models - set(MODEL_IDS)  # the hint tests above could fail


def test_a_field_hint_is_precise() -> None:
    hints = ValueHints(by_field={(OpenAIFileFile, "file_id"): st.just("file-xyz")})
    seen = []
    for payload in draws(request_payloads(Chat, hints), 400, 0):
        for message in payload["messages"]:
            content = message.get("content")
            for part in content if isinstance(content, list) else []:
                if part.get("type") == "file" and "file_id" in part["file"]:
                    seen.append(part["file"]["file_id"])
    assert seen and set(seen) == {"file-xyz"}


def test_hints_are_checked_and_cached_by_identity() -> None:
    with pytest.raises(InvalidArgument, match=r"st\.just"):
        ValueHints({"model": "llama3"})  # type: ignore[dict-item]
    ids = st.sampled_from(MODEL_IDS)
    assert request_payloads(Chat, ValueHints({"model": ids})) is request_payloads(Chat, ValueHints({"model": ids}))
    assert request_payloads(Chat, ValueHints({"model": ids})) is not request_payloads(
        Chat, ValueHints({"model": st.sampled_from(MODEL_IDS)})
    )
    extended = HINTS.with_(after=st.just("file-0"))
    assert extended is not HINTS and "after" in extended.by_name and "after" not in HINTS.by_name


# -- the invalid family -------------------------------------------------------------------


@FAST
@given(invalid_requests(Chat))
def test_invalid_chat_requests_are_rejected(item: InvalidRequest) -> None:
    assert item.kind in MUTATION_KINDS and item.mutation
    with pytest.raises(ValidationError):
        Chat.model_validate(item.payload)


@FAST
@given(invalid_requests(CancelResponseRequest))
def test_invalid_requests_of_a_forbid_model_are_rejected(item: InvalidRequest) -> None:
    with pytest.raises(ValidationError):
        CancelResponseRequest.model_validate(item.payload)


def test_a_mutation_says_where_and_what() -> None:
    item = next(i for i in draws(invalid_requests(Chat), 200, 0) if i is not DISCARDED and i.kind == "unknown_tag")
    assert item.mutation.startswith(item.path) and "not one of the tags" in item.mutation


def test_no_invalid_family_for_a_model_that_accepts_anything() -> None:
    class Anything(BaseModel):
        pass

    with pytest.raises(InvalidArgument, match="accepts every JSON object"):
        invalid_requests(Anything)


def test_only_pydantic_models_get_strategies() -> None:
    with pytest.raises(InvalidArgument, match="not a pydantic model"):
        request_payloads(int)  # type: ignore[arg-type]


def test_request_models_of_lists_each_member() -> None:
    rows = request_models_of("ogx_api")
    assert ("inference", "openai_chat_completion", Chat) in rows
    assert all(issubclass(model, BaseModel) for _, _, model in rows)


def test_the_public_draw_path_meets_the_same_contract() -> None:
    """The fallback that uses only public Hypothesis API (see choices.py)."""
    payloads = [p for p in draws(request_payloads(Chat, public=True), 80, 0) if p is not DISCARDED]
    assert len(payloads) >= 76
    for payload in payloads:
        Chat.model_validate(payload)
    items = [i for i in draws(invalid_requests(Chat, public=True), 40, 0) if i is not DISCARDED]
    assert len(items) >= 38
    for item in items:
        with pytest.raises(ValidationError):
            Chat.model_validate(item.payload)


def _strategy_calls() -> list[tuple[str, str, ast.Call]]:
    """Every ``st.characters`` / ``st.text`` / ``st.from_regex`` call of the engine and the suites."""
    root = Path(__file__).resolve().parents[1]
    found = []
    for path in sorted([*(root / "suites").rglob("*.py"), *(root / "llama_conformance").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("characters", "text", "from_regex")
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "st"):
                found.append((f"{path.relative_to(root)}:{node.lineno}", node.func.attr, node))
    return found


def test_every_drawn_character_encodes_as_utf8_without_asking_for_a_codec_table() -> None:
    """What the suites and the engine draw goes into JSON and HTTP bodies: no surrogate (``Cs``), the one kind of
    code point UTF-8 cannot encode. No call names a codec, and none takes Hypothesis's default alphabet
    (``characters(codec="utf-8")``, of ``st.text()`` and of ``st.from_regex()`` on a text pattern): Hypothesis builds
    its table of a named codec by encoding every code point (1.3 s of CPU, ``hypothesis.internal.charmap
    .intervals_from_codec``) in every new Hypothesis home, such as each fresh CI machine of a provider's author.
    ``strategies.alphabet.WIRE_CHARACTERS`` is the same characters, named without one."""
    calls = _strategy_calls()
    assert sum(kind == "characters" for _, kind, _ in calls) >= 15, calls  # the scan sees them
    for where, kind, call in calls:
        keywords = {str(keyword.arg): keyword.value for keyword in call.keywords}
        assert "codec" not in keywords, where
        if kind == "text":
            assert call.args or "alphabet" in keywords, f"{where}: st.text() with Hypothesis's default alphabet"
        elif kind == "from_regex":
            assert "alphabet" in keywords, f"{where}: st.from_regex() with Hypothesis's default alphabet"
        else:
            try:  # a bound computed at run time (behaviour/negative.py) is its own test's to check
                literal = {name: ast.literal_eval(value) for name, value in keywords.items()}
            except ValueError:
                continue
            intervals = st.characters(**literal).wrapped_strategy.intervals  # type: ignore[attr-defined]
            assert not any(low <= 0xDFFF and high >= 0xD800 for low, high in intervals.intervals), where


def test_the_wire_alphabet_draws_what_hypothesiss_utf8_default_draws() -> None:
    from llama_conformance.strategies.alphabet import WIRE_CHARACTERS

    default = st.characters(codec="utf-8").wrapped_strategy.intervals  # type: ignore[attr-defined]
    assert WIRE_CHARACTERS.wrapped_strategy.intervals.intervals == default.intervals  # type: ignore[attr-defined]
