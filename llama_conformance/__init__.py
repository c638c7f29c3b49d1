"""llama-conformance: does a Llama Stack / OGX provider honour its API contract?

The public API is what a provider author or a CI script touches; everything else is an
implementation detail behind it. Most users only run ``pytest --llama-provider=TYPE``.
"""

from llama_conformance.checks import CHECKS, CheckDef, Finding, Level
from llama_conformance.contract import ApiSurface, Contract, MemberSpec, load_contract
from llama_conformance.discovery import DiscoveryOptions, ProviderEntry, discover
from llama_conformance.errors import GateTimeout, KitUsageError
from llama_conformance.gate import CallGate
from llama_conformance.harness import BuildOptions, ProviderUnderTest, build_provider
from llama_conformance.structural import StructuralResult, check_attribute, check_member
from llama_conformance.version import __version__

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
]
