"""The behavioural engine: call a built provider, judge what it does, over drawn examples.

``invoke`` calls members through the gate (streams consumed and validated as they arrive),
``judge`` turns outcomes into check results, ``examples`` runs Hypothesis with the kit's
profiles and seed, ``steps`` holds the steps no API owns, and ``context.Kit`` bundles it all
for the suites. The checks it judges are declared in ``engine_checks`` and the wings.
"""

from llama_conformance.behaviour.invoke import Outcome, call_member, request_arguments
from llama_conformance.behaviour.judge import CheckFailed, Judge, as_capability

__all__ = ["CheckFailed", "Judge", "Outcome", "as_capability", "call_member", "request_arguments"]
