"""Which checks can apply to a run: those of its APIs, and of those, which its mode can exercise.

A report lists the checks that could apply to its target and no others: a files provider's
report does not count the inference checks as "not run", an eval provider's does not count the
embeddings or stream invariants. A check that applies to the target's APIs but that the run's
mode cannot exercise is **not applicable**: a status of its own, listed apart, never counted
against the verdict (the HTTP checks in-process; the structural suite behind a deployment URL;
a member with no HTTP route, over HTTP).

Nothing here is a list of check ids. Each answer is read from where the checks are declared:
a check's ``api``; its ``applies_to`` (the validation families know which API's types they
judge, ``validate.ids``; capability promises exist where capabilities do); its ``needs``
(``transport.checks`` and ``fuzz.ids`` need an HTTP answer, the structural checks the
provider object). What only a test can find out (the member it needs has no route in this
mode) it says by raising ``NotApplicable``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from llama_conformance.checks import CheckDef, Needs

# ``NotApplicable`` is raised by the suites and the engine, so it is declared low (``errors``); kept importable here.
from llama_conformance.errors import NOT_APPLICABLE_TAG, NotApplicable  # noqa: F401

IN_PROCESS, HTTP_IN_PROCESS, HTTP = "in-process", "http-in-process", "http"
TRANSPORTS = (IN_PROCESS, HTTP_IN_PROCESS, HTTP)
HTTP_TRANSPORTS = frozenset({HTTP_IN_PROCESS, HTTP})

# What each transport offers (report.json ``target.transport``), and why a check needing more is not applicable.
_OFFERS: dict[str, frozenset[Needs]] = {
    IN_PROCESS: frozenset({Needs.ANY, Needs.PROVIDER}),
    HTTP_IN_PROCESS: frozenset({Needs.ANY, Needs.PROVIDER, Needs.HTTP}),
    HTTP: frozenset({Needs.ANY, Needs.HTTP}),
}
_WHY: dict[Needs, str] = {
    Needs.HTTP: "it judges HTTP answers, and this run called the provider in-process "
                "(--llama-over-http or --llama-stack-url exercise it)",
    Needs.PROVIDER: "it judges the provider object, and a deployment behind a URL shows only its routes "
                    "(run the provider in-process with --llama-provider to exercise it)",
}


def can_apply(check: CheckDef, apis: Iterable[str]) -> bool:
    """Whether ``check`` can judge anything of a target serving ``apis``."""
    return bool(applicable_apis(check, apis))


def applicable_apis(check: CheckDef, apis: Iterable[str]) -> list[str]:
    """The APIs of the target ``check`` can judge: its own API, else those it applies to (any, if unsaid)."""
    apis = list(apis)
    if check.api is not None and check.api not in apis and check.applies_to:  # a cross-API wing's check
        return [api for api in apis if api in check.applies_to]
    if check.api is not None:
        return [check.api] if check.api in apis else []
    return [api for api in apis if not check.applies_to or api in check.applies_to]


def mode_gap(check: CheckDef, transport: str) -> str | None:
    """Why a run over ``transport`` cannot exercise ``check``; None when it can."""
    if check.needs in _OFFERS.get(transport, _OFFERS[IN_PROCESS]):
        return None
    return _WHY[check.needs]


_REASON = re.compile(rf"{NOT_APPLICABLE_TAG}: (.*)", re.DOTALL)


def not_applicable_reason(text: str) -> str | None:
    """The reason of a skip raised as ``NotApplicable``, else None."""
    match = _REASON.search(text or "")
    return match.group(1).strip() if match else None
