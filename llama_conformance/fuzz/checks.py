"""The checks the fuzzer runs on every answer, by name.

Schemathesis' own checks (``schemathesis.checks`` / ``specs.openapi.checks``, 4.32):

* ``not_a_server_error`` - no 5xx (a provider's unhandled exception shows up here);
* ``status_code_conformance`` - the status is one the operation documents;
* ``content_type_conformance`` - the ``Content-Type`` is one the operation documents;
* ``response_schema_conformance`` - the JSON body matches the documented schema. Streams are
  left to ``sse_event_conformance`` (one finding per defect, with event index and path),
  so this name runs schemathesis' check on every answer that is not an event stream;
* ``negative_data_rejection`` - a request the schema forbids is rejected with a 4xx;
* ``positive_data_acceptance`` - a request the schema allows is not rejected with a 4xx
  (400/401/403/404/409/422 by default are taken as rejection);
* ``use_after_free``, ``ensure_resource_availability`` - stateful checks: they judge a case
  against the cases that led to it (a DELETE before, a POST that created it), so they only
  find something when cases are chained (stateful runs); per-operation runs pass them. The
  kit's ``resource_availability`` leaves out a 404 about an id the request body names;

and the kit's ``sse_event_conformance`` (``fuzz.sse_check``) and ``resource_bound``
(``fuzz.bounded``: an answer the kit cut at its limits). A 5xx, a timeout or a reset
on a request that carries an absurd size (``n=171882``, ``dimensions=856822224``, an array
of 100,000 items) is one defect, the unbounded size, so it is reported as
``call.resource-bound`` (``UnboundedSize``) instead of a server error or a missing answer.
For a 5xx the run first sends the request again with those sizes brought down
(``FuzzRun.size_ruled_out``): if that gets a server error too, the size is not the cause and
the answer stays a server error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.core.failures import Failure
from schemathesis.specs.openapi import checks as openapi_checks

from llama_conformance.contract.sizes import absurd_in_body, within_bounds
from llama_conformance.fuzz.bounded import cut_of, resource_bound
from llama_conformance.fuzz.sse_check import is_event_stream, sse_event_conformance
from llama_conformance.openapi.repair import SDK_ANSWERS_KEY, ref_target
from llama_conformance.transport.wire import DEADLINE_HEADER


class UnboundedSize(Failure):
    """A request with an absurd but schema-valid size got a 5xx or no answer (``call.resource-bound``)."""

    code = "LC-SIZE"
    kind_title = "Absurd size not refused"

    @property
    def _unique_key(self) -> str:
        return self.title


def absurd_fields(case: Any) -> str:
    """The absurd sizes ``case`` carries in its body and query (the first three), shown; empty if none."""
    absurd = absurd_in_body(getattr(case, "body", None)) + absurd_in_body(getattr(case, "query", None) or {})
    return ", ".join(absurd[:3])


def modest_copy(case: Any) -> Any | None:
    """A copy of a schemathesis case with its absurd sizes brought down (``within_bounds``, within what the body's
    schema allows); the case itself is left as sent (its curl, its metadata). None when the case cannot be rebuilt
    (schemathesis' ``Case`` moved)."""
    try:
        from schemathesis.generation.case import Case

        schema = _body_schema(case)
        body = within_bounds(case.body, schema, _resolver(schema, case.operation.schema.raw_schema))
        return Case(case.operation, case.method, case.path, path_parameters=dict(case.path_parameters),
                    headers=case.headers.copy(), cookies=dict(case.cookies),
                    query=within_bounds(case.query) if case.query else case.query, body=body,
                    media_type=case.media_type, multipart_content_types=case.multipart_content_types)
    except Exception:  # not a schemathesis case, or its constructor changed: no replay, the size stays the cause
        return None


def _body_schema(case: Any) -> Any:
    """The JSON Schema of the case's body as schemathesis holds it (its refs point into its own ``x-bundled``)."""
    for body in case.operation.body:
        if body.media_type == case.media_type:
            return body.definition.get("schema")
    return None


def _resolver(*roots: Any) -> Callable[[Any], Any]:
    """Follows a local ``$ref`` (``#/x-bundled/...``, ``#/components/...``) in the first of ``roots`` that has it."""
    def resolve(node: Any) -> Any:
        ref = node.get("$ref") if isinstance(node, dict) else None
        targets = (ref_target(root, ref) for root in roots)
        return next((target for target in targets if isinstance(target, dict)), None)

    return resolve


def unbounded_size(case: Any, what: str) -> UnboundedSize | None:
    """The resource-bound failure for ``case`` when it carries an absurd size and got ``what``."""
    fields = absurd_fields(case)
    if not fields:
        return None
    operation = getattr(getattr(case, "operation", None), "label", None)
    return UnboundedSize(
        operation=operation, title=f"Absurd size answered with {what}",
        message=f"The request carried {fields} and got {what}. The provider's maintainer must refuse sizes "
                "above what it can serve with a 400 (raise ValueError naming the limit), or answer within the "
                "deadline and the memory ceiling.")


class PastDeadline(Failure):
    """The provider behind the in-process app did not answer within the kit's deadline (``call.no-hang``)."""

    code = "LC-HANG"
    kind_title = "No answer within the deadline"

    @property
    def _unique_key(self) -> str:
        return self.title


# Upstream's answer to guardrails on a server with no moderation endpoint: ogx 1.5's builtin responses
# provider raises ``ServiceNotEnabledError("moderation_endpoint", ...)``
# (ogx/providers/inline/responses/builtin/responses/openai_responses.py:948-952), which ogx-api declares as
# HTTP 503 (ogx_api/common/errors.py:331-343, ``status_code = SERVICE_UNAVAILABLE``) with this message.
_NO_MODERATION = "Service 'moderation_endpoint' is not enabled"


def _message(response: Any) -> str:
    """The error message of a JSON error answer (``{"error": {"message": ...}}`` or ``{"detail": ...}``)."""
    try:
        body = response.json()
    except Exception:  # not JSON: no message to read
        return ""
    inner = body.get("error") if isinstance(body, dict) else None
    if isinstance(inner, dict):
        return str(inner.get("message", ""))
    return str(body.get("detail", "")) if isinstance(body, dict) else ""


def guardrails_not_enabled(response: Any, case: Any) -> bool:
    """A 503 to a request with ``guardrails`` that names the unconfigured moderation endpoint: the contract's
    own answer (see ``_NO_MODERATION``), a deployment's configuration, not a server error."""
    body = getattr(case, "body", None)
    return (response.status_code == 503 and isinstance(body, dict) and bool(body.get("guardrails"))
            and _message(response).startswith(_NO_MODERATION))


def not_a_server_error_or_unbounded(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis' ``not_a_server_error``, except that a 5xx to an absurd size is ``UnboundedSize``,
    the kit's own 504 at the deadline is ``PastDeadline``, not the provider's server error, and guardrails
    refused 503 for want of a moderation endpoint is upstream's contract (``guardrails_not_enabled``)."""
    status = response.status_code
    if guardrails_not_enabled(response, case):
        return None
    if status >= 500 and status != 501:
        failure = unbounded_size(case, f"HTTP {status}")
        if failure is not None:
            raise failure
        deadline = response.headers.get(DEADLINE_HEADER)
        if deadline:
            raise PastDeadline(operation=getattr(getattr(case, "operation", None), "label", None),
                               title="No answer within the deadline",
                               message=f"The provider did not answer within the kit's {_first(deadline)} s deadline "
                                       "(--llama-timeout); the kit cancelled the request and answered 504 itself.")
    return not_a_server_error(ctx, response, case)


def _first(value: Any) -> str:
    return str(value[0] if isinstance(value, list) and value else value)


def response_schema_conformance(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis' ``response_schema_conformance`` for every answer that is not an event stream; a 200 to a
    request whose headers chose another SDK's format (``erratum.sdk-format-answers``) is held to that SDK's model."""
    content_type = response.headers.get("content-type") or response.headers.get("Content-Type")
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else None
    if is_event_stream(content_type) or cut_of(response):  # a cut answer is judged by resource_bound
        return None
    chosen = sdk_answer(case) if response.status_code == 200 else None
    if chosen is not None:
        return sdk_answer_conformance(response, case, chosen)
    return openapi_checks.response_schema_conformance(ctx, response, case)


def sdk_answer(case: Any) -> dict[str, Any] | None:
    """The SDK answer (``SDK_ANSWERS_KEY``) the request's headers chose, the first in the router's precedence
    whose header it sends with a value (ogx's routers test the headers' truth: an empty one chooses nothing)."""
    definition = getattr(getattr(getattr(case, "operation", None), "definition", None), "raw", None)
    answers = definition.get(SDK_ANSWERS_KEY) if isinstance(definition, dict) else None
    if not answers:
        return None
    sent = {str(name).lower() for name, value in (getattr(case, "headers", None) or {}).items() if value}
    return next((answer for answer in answers if sent & {name.lower() for name in answer["headers"]}), None)


def sdk_answer_conformance(response: Any, case: Any, answer: dict[str, Any]) -> bool | None:
    """The JSON answer against the chosen SDK's model, reported as schemathesis reports a schema violation."""
    import jsonschema_rs
    from schemathesis.openapi.checks import JsonSchemaError

    try:
        body = response.json()
    except Exception:  # not JSON: schemathesis' own check says so on the declared schema
        return None
    root, validator = _sdk_validator(case, answer)
    try:
        validator.validate(body)
    except jsonschema_rs.ValidationError as exc:
        raise JsonSchemaError(operation=case.operation.label, exc=exc, root_schema=root,
                              title=f"Response violates the {answer['vendor']} SDK's schema") from None
    return True


# The compiled validator of each SDK answer a run met (compiling against a real server's components takes about 4 ms,
# validating an answer under 1 us); the newest few, so a process that loads many documents keeps none of them alive.
_SDK_VALIDATORS: dict[int, tuple[dict[str, Any], dict[str, Any], Any]] = {}


def _sdk_validator(case: Any, answer: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    import jsonschema_rs

    cached = _SDK_VALIDATORS.get(id(answer))
    if cached is None or cached[0] is not answer:
        root = {"components": case.operation.schema.raw_schema.get("components", {}), **answer["schema"]}
        cached = (answer, root, jsonschema_rs.validator_for(root))
        _SDK_VALIDATORS[id(answer)] = cached
        while len(_SDK_VALIDATORS) > 8:
            _SDK_VALIDATORS.pop(next(iter(_SDK_VALIDATORS)))
    return cached[1], cached[2]


def resource_availability(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis' ``ensure_resource_availability``, except for a 404 about an id the request *body*
    names. The check reads a 404 on ``POST /v1/vector_stores/{id}/files`` after the store was created
    as "the store is gone", though the answer says the drawn ``file_id`` names no file: a correct
    answer. A 404 that names none of the path's ids, to a request whose body carries ids, is taken
    as about those ids (``about_a_body_id``)."""
    if response.status_code == 404 and about_a_body_id(_message(response), case):
        return None
    return openapi_checks.ensure_resource_availability(ctx, response, case)


def about_a_body_id(message: str, case: Any) -> bool:
    """The 404 ``message`` is about an id of the request body, not the resource the path names."""
    body = getattr(case, "body", None)
    body_ids = [value for key, value in body.items()
                if isinstance(key, str) and key.endswith(("_id", "_ids")) and value] if isinstance(body, dict) else []
    path_ids = [str(value) for value in (getattr(case, "path_parameters", None) or {}).values()]
    return bool(body_ids) and not any(value and value in message for value in path_ids)


CHECKS: dict[str, CheckFunction] = {
    "not_a_server_error": not_a_server_error_or_unbounded,
    "status_code_conformance": openapi_checks.status_code_conformance,
    "content_type_conformance": openapi_checks.content_type_conformance,
    "response_schema_conformance": response_schema_conformance,
    "negative_data_rejection": openapi_checks.negative_data_rejection,
    "positive_data_acceptance": openapi_checks.positive_data_acceptance,
    "use_after_free": openapi_checks.use_after_free,
    "ensure_resource_availability": resource_availability,
    "sse_event_conformance": sse_event_conformance,
    "resource_bound": resource_bound,  # an answer cut at the kit's limits (fuzz.bounded)
}


def select_checks(names: Iterable[str] | None = None) -> list[CheckFunction]:
    """The named checks (all of ``CHECKS`` by default), in ``CHECKS`` order; an unknown name is an error."""
    if names is None:
        return list(CHECKS.values())
    wanted = list(names)
    unknown = [name for name in wanted if name not in CHECKS]
    if unknown:
        raise ValueError(f"unknown fuzz check(s) {', '.join(unknown)}; known: {', '.join(CHECKS)}")
    return [check for name, check in CHECKS.items() if name in wanted]
