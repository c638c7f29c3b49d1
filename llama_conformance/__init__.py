"""llama-conformance: does a Llama Stack / OGX provider honour its API contract?

The public API is what a provider author or a CI script touches; everything else is an
implementation detail behind it. Most users only run ``pytest --llama-provider=TYPE``.
"""

# First: under pytest, the imports below then load with the standard loader (plain_import's docstring).
from llama_conformance import plain_import  # noqa: F401 - installs its finder on import
from llama_conformance.checks import CHECKS, CheckDef, Finding, Level
from llama_conformance.contract import ApiSurface, Contract, MemberSpec, load_contract
from llama_conformance.discovery import DiscoveryOptions, ProviderEntry, discover
from llama_conformance.errors import GateTimeout, KitUsageError
from llama_conformance.gate import CallGate
from llama_conformance.harness import BuildOptions, ProviderUnderTest, build_provider
from llama_conformance.structural import StructuralResult, check_attribute, check_member
from llama_conformance.version import __version__

# The behavioural layers import Hypothesis internals and compiled JSON Schema engines; the
# plugin loads this package on every pytest run, so they load on first use, not here.
_LAZY = {
    "Manifest": "llama_conformance.capabilities",
    "load_manifest": "llama_conformance.capabilities",
    "error_answer": "llama_conformance.contract.errors",
    "ValueHints": "llama_conformance.strategies",
    "valid_requests": "llama_conformance.strategies",
    "invalid_requests": "llama_conformance.strategies",
    "acceptance_table": "llama_conformance.strategies",
    "validate_value": "llama_conformance.validate",
    "stream_checker": "llama_conformance.validate",
    "check_embeddings": "llama_conformance.validate",
    "test_plan": "llama_conformance.catalogue",  # registers the wings' checks first
    "load_baseline": "llama_conformance.report.baseline",
    "diff_reports": "llama_conformance.report.diff",
    "write_report": "llama_conformance.report.write",
    "schema_problems": "llama_conformance.report.schema",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'llama_conformance' has no attribute {name!r}")


__all__ = [
    "CHECKS",
    "ApiSurface",
    "BuildOptions",
    "CallGate",
    "CheckDef",
    "Contract",
    "DiscoveryOptions",
    "Finding",
    "GateTimeout",
    "KitUsageError",
    "Level",
    "MemberSpec",
    "ProviderEntry",
    "ProviderUnderTest",
    "StructuralResult",
    "__version__",
    "build_provider",
    "check_attribute",
    "check_member",
    "discover",
    "load_contract",
    *_LAZY,
]
