"""How ``security.secret-in-error`` is proven: a provider holding a key lets it out four ways.

The check is the engine's (every API, ``llama_conformance.engine_checks``); its proof needs a
config holding a secret and a look at the printed output, so it is a kit test of its own.
"""

from __future__ import annotations

from llama_conformance.checks import Wing
from llama_conformance.engine_checks import SECRET_IN_ERROR

_CAUGHT = "tests/test_security_suites.py::test_a_leaking_provider_is_caught_and_its_key_is_never_printed"

WING = Wing(api="security", checks=(), proven_elsewhere={SECRET_IN_ERROR.id: _CAUGHT})
