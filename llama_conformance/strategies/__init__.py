"""Hypothesis strategies for every request model, derived from the pydantic models.

Why not ``st.from_type`` or hypothesis-jsonschema: ``from_type`` cannot draw ``Any`` fields at
all (chat, completions: every draw raises) and stumbles on ``ge/le`` on optional numbers and
length bounds inside unions; JSON Schema disagrees with pydantic about discriminated unions
whose tag has a default. The plan here is compiled from pydantic's own core schema
(``compile.py``), so it draws what pydantic runs.

Two families over one cached plan per ``(model, hints)``:

* ``request_payloads`` / ``valid_requests``: JSON payloads pydantic accepts. Measured with
  ``acceptance_table`` (200 draws per model and family, seed 0) over every request model of
  ogx_api 1.5 (78 models) and llama_stack_api 0.7.3 (83 models): pydantic accepted 100.0% of
  the draws of every model in both packages (minimum 100.0%, 32,200 draws), with 1 draw of
  32,200 discarded by the strategy itself (an after-validator's filter that kept failing).
* ``invalid_requests``: a valid payload with one mutation (required field removed, wrong
  JSON type, number outside ge/le/gt/lt, string/list outside its length bounds, value not in
  an enum/Literal, unknown discriminator tag, unknown field where extra='forbid'). Mutations
  pydantic legally accepts are never produced. Same run: 100% of the draws rejected for all
  159 models that have an invalid family (5 draws of 31,800 discarded); two llama_stack_api
  models (ListBenchmarksRequest, ListScoringFunctionsRequest) accept every JSON object and
  have none.

Provider-aware values (real model ids, file ids) come from ``ValueHints``. Speed on a 2-core
machine (``benchmarks/bench_strategies.py``): 1,150-1,850 valid chat requests drawn per CPU
second (median of 3 rounds of 2,000; the low end under heavy load from other processes).
"""

from llama_conformance.strategies.acceptance import AcceptanceRow, acceptance_table, format_table, measure
from llama_conformance.strategies.catalog import request_models_of
from llama_conformance.strategies.compile import StrategyDerivationError
from llama_conformance.strategies.families import (
    DEFAULT_MAX_LEAVES,
    invalid_requests,
    request_payloads,
    valid_requests,
)
from llama_conformance.strategies.hints import ValueHints
from llama_conformance.strategies.mutations import MUTATION_KINDS, InvalidRequest

__all__ = [
    "DEFAULT_MAX_LEAVES",
    "MUTATION_KINDS",
    "AcceptanceRow",
    "InvalidRequest",
    "StrategyDerivationError",
    "ValueHints",
    "acceptance_table",
    "format_table",
    "invalid_requests",
    "measure",
    "request_models_of",
    "request_payloads",
    "valid_requests",
]
