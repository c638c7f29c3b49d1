"""The pre-split generation (llama-stack 0.3 and older) seen as one flat API package.

Before llama-stack-api existed, the API lived inside the server: each API in its own
``llama_stack.apis.<api>`` subpackage (whose ``__init__`` star-imports it), the ``Api`` enum
in ``llama_stack.apis.datatypes``, and ``ProviderSpec`` / ``InlineProviderSpec`` beside the
private protocols (``ModelsProtocolPrivate`` ...) in ``llama_stack.providers.datatypes``.
``llama_stack.apis`` itself exports nothing. The rest of the kit reads an API package as one
namespace (``api.Files``, ``api.Api``, ``api.InlineProviderSpec``), as ``llama_stack_api`` and
``ogx_api`` are laid out; importing this module builds that namespace from those modules, so
the layout difference lives here and nowhere else (``PACKAGE_TABLE``'s row names this module).

Importing it imports every API subpackage, as ``import llama_stack_api`` does for its own:
the contract's protocols are read from ``sys.modules``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Any

# The modules that hold the generation's contract, in the order their names win a clash.
APIS = "llama_stack.apis"
SPEC_MODULE = "llama_stack.providers.datatypes"
CONTRACT_MODULES = (APIS, SPEC_MODULE)

# No submodules: a package's ``__path__`` is read by code listing an API package's routers
# (``contract.routes.package_routes``); this generation has none (its routes are ``@webmethod``s).
__path__: list[str] = []


def _load() -> dict[str, Any]:
    """Every public name of every API subpackage, ``llama_stack.apis.datatypes`` and the spec module."""
    package = importlib.import_module(APIS)
    modules = [importlib.import_module(f"{APIS}.datatypes"), importlib.import_module(SPEC_MODULE)]
    for info in pkgutil.iter_modules(package.__path__):
        modules.append(importlib.import_module(f"{APIS}.{info.name}"))
    # Submodules the subpackages imported (``llama_stack.apis.common.errors`` ...) count too.
    modules += [module for name, module in list(sys.modules.items())
                if module is not None and name.startswith(APIS + ".")]
    names: dict[str, Any] = {}
    for module in modules:
        for name, value in vars(module).items():
            if not name.startswith("_") and not isinstance(value, type(sys)):
                names.setdefault(name, value)
    return names


globals().update({name: value for name, value in _load().items() if name not in globals()})
