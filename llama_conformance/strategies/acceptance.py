"""How often pydantic agrees with the strategies: the measurement behind the 95% / 100% bars.

For each model: ``draws`` valid-family payloads validated with ``model.model_validate`` (the
python-mode validation FastAPI runs on a parsed JSON body) and ``draws`` invalid-family
payloads, each of which must be rejected. Draws a strategy throws away itself (an
after-validator's filter giving up, no rejectable mutation found) are not in the rates but are
counted in ``discarded_*`` so that a strategy cannot look good by discarding.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from llama_conformance.strategies.catalog import unique_models
from llama_conformance.strategies.families import invalid_requests, request_payloads, request_plan
from llama_conformance.strategies.hints import ValueHints
from llama_conformance.strategies.mutations import InvalidRequest
from llama_conformance.strategies.sampling import DISCARDED, draws


@dataclass(frozen=True)
class AcceptanceRow:
    """Acceptance of one model's two families."""

    model: str  # module-qualified class name
    draws: int
    accepted: int  # valid family: pydantic validated the payload
    invalid_draws: int
    rejected: int  # invalid family: pydantic raised ValidationError
    discarded_valid: int = 0
    discarded_invalid: int = 0
    filter_redraws: int = 0  # after-validator subtrees drawn again because they were rejected
    not_json: int = 0  # valid payloads that do not survive a JSON round trip unchanged
    invalid_possible: bool = True  # False: the model accepts every JSON object
    kinds: dict[str, int] = field(default_factory=dict)  # mutation kind -> count
    failures: tuple[str, ...] = ()  # up to 3 examples: rejected valid / accepted invalid

    @property
    def rate(self) -> float:
        return self.accepted / self.draws if self.draws else 1.0

    @property
    def invalid_rate(self) -> float:
        return self.rejected / self.invalid_draws if self.invalid_draws else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "rate": self.rate, "invalid_rate": self.invalid_rate, "failures": list(self.failures)}


def _json_safe(payload: Any) -> bool:
    try:
        return bool(json.loads(json.dumps(payload, allow_nan=False)) == payload)
    except (TypeError, ValueError):
        return False


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}"


def measure(model: type[BaseModel], draws_per_family: int, seed: int, hints: ValueHints | None = None) -> AcceptanceRow:
    """One row of the table (public so tests and benchmarks can measure a single model)."""
    name = f"{model.__module__}.{model.__qualname__}"
    failures: list[str] = []
    accepted = discarded = not_json = 0
    plan = request_plan(model)
    _, failed_before = plan.filter_stats()
    for payload in draws(request_payloads(model, hints), draws_per_family, f"{seed}:valid:{name}"):
        if payload is DISCARDED:
            discarded += 1
            continue
        if not _json_safe(payload):
            not_json += 1
        try:
            model.model_validate(payload)
            accepted += 1
        except ValidationError as error:
            if len(failures) < 3:
                failures.append(f"valid rejected: {_first_error(error)}")
    _, failed_after = plan.filter_stats()
    rejected = discarded_invalid = 0
    kinds: Counter[str] = Counter()
    invalid_family = invalid_requests(model, hints) if plan.can_mutate else None
    for item in draws(invalid_family, draws_per_family, f"{seed}:invalid:{name}") if invalid_family is not None else ():
        if item is DISCARDED:
            discarded_invalid += 1
            continue
        assert isinstance(item, InvalidRequest)
        kinds[item.kind] += 1
        try:
            model.model_validate(item.payload)
            if len(failures) < 3:
                failures.append(f"invalid accepted: {item.mutation}")
        except ValidationError:
            rejected += 1
    return AcceptanceRow(
        model=name,
        draws=draws_per_family - discarded,
        accepted=accepted,
        invalid_draws=draws_per_family - discarded_invalid if invalid_family is not None else 0,
        rejected=rejected,
        discarded_valid=discarded,
        discarded_invalid=discarded_invalid,
        filter_redraws=failed_after - failed_before,
        not_json=not_json,
        invalid_possible=invalid_family is not None,
        kinds=dict(sorted(kinds.items())),
        failures=tuple(failures),
    )


def acceptance_table(
    models: Iterable[Any], draws: int = 200, seed: int = 0, *, hints: ValueHints | None = None
) -> list[AcceptanceRow]:
    """Rows for each model (classes or ``(api, member, model)`` tuples, duplicates folded).

    Deterministic for a seed: every model draws from its own ``random.Random`` seeded with
    ``seed`` and the model's qualified name.
    """
    return [measure(model, draws, seed, hints) for model in unique_models(models)]


def format_table(rows: Iterable[AcceptanceRow]) -> str:
    """A fixed-width text table, one line per model, worst valid rate first."""
    rows = sorted(rows, key=lambda r: (r.rate, r.invalid_rate, r.model))
    width = max([len(r.model.rsplit(".", 1)[-1]) for r in rows] + [5])
    head = f"{'model':<{width}}  {'valid':>9} {'rate':>7}  {'invalid':>9} {'rate':>7}  {'disc v/i':>9}  kinds"
    lines = [head, "-" * len(head)]
    for r in rows:
        kinds = ",".join(f"{k}:{n}" for k, n in r.kinds.items())
        invalid = (
            f"{r.rejected:>4}/{r.invalid_draws:<4} {r.invalid_rate:>7.1%}" if r.invalid_possible else f"{'n/a':>17}"
        )
        lines.append(
            f"{r.model.rsplit('.', 1)[-1]:<{width}}  {r.accepted:>4}/{r.draws:<4} {r.rate:>7.1%}  {invalid}  "
            f"{r.discarded_valid:>4}/{r.discarded_invalid:<4}  {kinds}"
        )
        lines.extend(f"    ! {f}" for f in r.failures)
    return "\n".join(lines)
