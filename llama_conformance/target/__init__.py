"""What a run checks, and the session that holds it: one ``Target`` for every mode.

* ``ProviderTarget``: the provider built in-process (``--llama-provider``);
* ``RemoteTarget``: the provider behind its package's routers through ASGI (``--llama-over-http``,
  ``mount_in_process``), or a running deployment (``--llama-stack-url``, ``open_url_target``).

``KitSession`` holds the run's target with its options, manifest, seed and served models: what
the behavioural ``Kit`` reads. The pytest plugin only opens and closes it (``pytest_plugin.session``).
This package sits above the harness and the transport it wires together and below everything
that judges a target (``tests/test_layers.py``).
"""

from __future__ import annotations

from llama_conformance.target.base import Target
from llama_conformance.target.http import RemoteTarget, mount_in_process, open_url_target
from llama_conformance.target.options import KitOptions
from llama_conformance.target.provider import ProviderTarget
from llama_conformance.target.session import KitSession

__all__ = ["KitOptions", "KitSession", "ProviderTarget", "RemoteTarget", "Target", "mount_in_process",
           "open_url_target"]
