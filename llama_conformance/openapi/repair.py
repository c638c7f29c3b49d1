"""Make a server's ``/openapi.json`` self-contained and truthful enough to fuzz.

ogx 1.5 and llama-stack 0.7.3 serve a document that no OpenAPI tool can load: every
operation references ``#/components/responses/{BadRequest400,TooManyRequests429,
InternalServerError500,DefaultError}`` and a few schemas (``OpenAIChatCompletion``,
``OpenAIChatCompletionChunk``, ``OpenAICompletion``, ``OpenAIResponseObjectStream``) that
the document never defines (the routers name them; only the projects' offline generators
fill them in). Schemathesis refuses every such operation. ``repair_spec`` fills them from
the one source of truth, the API package, and says what it did:

* ``#/components/schemas/X`` -> the JSON Schema of the package's pydantic model or type
  alias named ``X`` (the package's schema registry first, then its modules), generated with
  ``ref_template="#/components/schemas/{model}"``; nested definitions join the components
  without replacing any that exist.
* ``#/components/responses/X`` -> an error response whose body is what the servers really
  send: ``{"error": {"message": ...}}`` (the package's ``OpenAIErrorResponse``, written by
  the servers' exception handlers) or ``{"detail": ...}`` (FastAPI's ``HTTPException``
  handler: unknown routes, 405, and routes with ``ExceptionTranslatingRoute``). Both were
  observed on running ogx 1.5.0 and llama-stack 0.7.3 servers. The package's ``Error``
  model (RFC 7807 ``status``/``title``/``detail``) is *not* what is sent; the repair says so.
* ``#/components/schemas/Response`` as an answer's schema (llama-stack-api 0.4-0.6's files content
  route names the Starlette class it returns, the raw file) -> ``{"type": "string"}``, as 0.7
  documents that answer; a ``raw-body`` repair.
* ``text/event-stream`` responses -> described as events (see ``openapi.sse``).
* Anything else that cannot be resolved becomes ``{}`` (a response: a bare description),
  recorded as an ``unresolved`` repair - tools still run, and the report shows the gap.
* With ``errata=True`` (the default), the kit's documented erratum
  ``erratum.schema-null-stripped`` (``validate.errata.NULL_STRIPPED``) is applied to every
  component schema: the packages strip ``null`` from optional fields whose default is None
  (and write OpenAPI 3.0's ``nullable``, meaningless in 3.1), while their own serializer -
  which the server uses - writes ``null`` there. Unrelaxed, every provider would fail
  ``response_schema_conformance`` on, e.g., ``OpenAIFileObject.status_details``. Each
  relaxed component is one ``erratum`` repair naming the fields, so it stays visible.

The input is never modified: the repair works on a deep copy.
"""

from __future__ import annotations

import copy
import http
import importlib
import pkgutil
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from llama_conformance.openapi.sse import describe_event_streams, escape_pointer

SCHEMAS_PREFIX = "#/components/schemas/"
RESPONSES_PREFIX = "#/components/responses/"
REF_TEMPLATE = SCHEMAS_PREFIX + "{model}"
ERROR_BODY_NAME = "ServerErrorBody"
_MAX_ROUNDS = 8  # filled schemas may reference further missing ones; this is far more than observed
# Where a $ref is the schema of an answer's body (``.../responses/200/content/<media type>/schema``).
_ANSWER_SCHEMA = re.compile(r"^/paths/[^/]+/[^/]+/responses/[^/]+/content/[^/]+/schema$")
# An operation whose router answers in another SDK's format on that SDK's request headers: per vendor, the headers
# and the answer's schema (``document_sdk_format_answers``; read by ``fuzz.checks.response_schema_conformance``).
SDK_ANSWERS_KEY = "x-llama-conformance-sdk-answers"
_RAW_RESPONSE = "Response"  # the class name of a route returning a Starlette Response (``raw_body``)
# Where a $ref stands for a whole response object (which needs a description), not a schema.
_RESPONSE_POINTER = re.compile(r"^(/paths/[^/]+/[^/]+/responses/[^/]+|/components/responses/[^/]+)$")


@dataclass(frozen=True)
class Repair:
    """One change made to the document: what kind, where (a JSON pointer), and why."""

    kind: str
    pointer: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.pointer}: {self.detail}"


@dataclass(frozen=True)
class RepairedSpec:
    """A self-contained copy of a server's document and the list of changes that made it so."""

    spec: dict[str, Any]
    repairs: list[Repair] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Repair]:
        return [repair for repair in self.repairs if repair.kind == kind]

    @property
    def unresolved(self) -> list[Repair]:
        return self.of_kind("unresolved")


# --- references -------------------------------------------------------------------------


def iter_refs(node: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """Every ``(pointer of the object holding $ref, ref)`` below ``node``."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield pointer, ref
        for key, value in node.items():
            if key != "$ref":
                yield from iter_refs(value, f"{pointer}/{escape_pointer(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from iter_refs(value, f"{pointer}/{index}")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


_NOWHERE = object()


def ref_target(document: Any, ref: Any) -> Any:
    """What a local ``#/...`` reference names inside ``document``; ``_NOWHERE`` if nothing."""
    if not isinstance(ref, str) or not ref.startswith("#"):
        return _NOWHERE
    node: Any = document
    for token in filter(None, ref[1:].split("/")):
        key = _unescape(token)
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return _NOWHERE
    return node


def resolves(document: Mapping[str, Any], ref: str) -> bool:
    """True if a local ``#/...`` reference names something inside ``document``."""
    return ref_target(document, ref) is not _NOWHERE


def dangling_refs(document: Mapping[str, Any]) -> dict[str, list[str]]:
    """``{ref: [pointers that use it]}`` for every reference that does not resolve."""
    found: dict[str, list[str]] = {}
    for pointer, ref in iter_refs(document):
        if not resolves(document, ref):
            found.setdefault(ref, []).append(pointer)
    return found


def _node_at(document: dict[str, Any], pointer: str) -> tuple[Any, str | int] | None:
    """The container of the node at ``pointer`` and its key in it."""
    tokens = [_unescape(token) for token in pointer.split("/")[1:]]
    if not tokens:
        return None
    node: Any = document
    for token in tokens[:-1]:
        node = node[int(token)] if isinstance(node, list) else node[token]
    last = tokens[-1]
    return (node, int(last)) if isinstance(node, list) else (node, last)


# --- finding a type in the API package ------------------------------------------------------


def _is_schema_type(obj: Any) -> bool:
    """A pydantic model class or a typing construct (``Annotated[A | B, ...]``), not a plain class."""
    from pydantic import BaseModel

    if isinstance(obj, type):
        return issubclass(obj, BaseModel)
    module = getattr(type(obj), "__module__", "")
    return module in ("typing", "types", "typing_extensions")


def _registry_types(package: ModuleType) -> dict[str, Any]:
    """Names the package's own schema registry gives its types (``schema_utils.register_schema``)."""
    try:
        utils = importlib.import_module(f"{package.__name__}.schema_utils")
    except ImportError:
        return {}
    named: dict[str, Any] = {}
    for info in getattr(utils, "iter_registered_schema_types", lambda: ())():
        named.setdefault(info.name, info.type)
    for cls in getattr(utils, "iter_json_schema_types", lambda: ())():
        named.setdefault(cls.__name__, cls)
    return named


def _package_modules(package: ModuleType) -> Iterator[ModuleType]:
    """The package and its submodules; already-imported ones first, the rest imported on demand."""
    yield package
    prefix = package.__name__ + "."
    seen = {package.__name__}
    for name in sorted(n for n in list(sys.modules) if n.startswith(prefix)):
        module = sys.modules.get(name)
        if module is not None:
            seen.add(name)
            yield module
    for info in pkgutil.walk_packages(getattr(package, "__path__", []), prefix):
        if info.name in seen:
            continue
        try:
            yield importlib.import_module(info.name)
        except Exception:  # an optional submodule that does not import cannot hold the type we need
            continue


def find_package_type(package: ModuleType, name: str) -> tuple[Any, str] | None:
    """The package's type named ``name`` and its dotted name (``ogx_api.inference.models.X``).

    The package's schema registry decides first (it is what the server's own generator
    uses); otherwise the first module of the package that defines a model or alias so named.
    """
    registered = _registry_types(package).get(name)
    for module in _package_modules(package):
        obj = vars(module).get(name)
        if obj is None or not _is_schema_type(obj):
            continue
        if registered is None or obj is registered:
            return obj, f"{module.__name__}.{name}"
    if registered is not None:  # registered but not reachable as a module attribute
        return registered, f"{getattr(registered, '__module__', package.__name__)}.{name}"
    return None


def _vendor_error_types(package: ModuleType) -> dict[str, tuple[Any, str]]:
    """The error bodies of APIs that speak another vendor's protocol: ``*ErrorResponse`` models
    other than the OpenAI one (ogx-api 1.5: ``AnthropicErrorResponse``, ``GoogleErrorResponse``)."""
    found: dict[str, tuple[Any, str]] = {}
    for module in _package_modules(package):
        for name, obj in vars(module).items():
            if (name.endswith("ErrorResponse") and name != "OpenAIErrorResponse" and name not in found
                    and getattr(obj, "__module__", None) == module.__name__ and _is_schema_type(obj)):
                found[name] = (obj, f"{module.__name__}.{name}")
    return dict(sorted(found.items()))


def type_json_schema(obj: Any, mode: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(schema of obj, its nested $defs)`` with refs into ``#/components/schemas``."""
    from pydantic import TypeAdapter

    schema = TypeAdapter(obj).json_schema(ref_template=REF_TEMPLATE, mode=mode)  # type: ignore[arg-type]
    defs = dict(schema.pop("$defs", {}))
    return schema, defs


# --- the error body the servers send ----------------------------------------------------


def _starlette_detail_body() -> dict[str, Any]:
    return {
        "type": "object",
        "title": "HTTPExceptionBody",
        "description": "FastAPI's HTTPException handler: unknown route (404), wrong method (405), and routes "
        "that translate provider errors into HTTPException.",
        "required": ["detail"],
        "properties": {"detail": {}},
    }


def _fallback_openai_body() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}
        },
    }


class _Repairer:
    """Holds the working copy and the repairs, so each step records exactly what it changed."""

    def __init__(self, spec: dict[str, Any], package: ModuleType) -> None:
        self.spec = spec
        self.package = package
        self.repairs: list[Repair] = []
        components = spec.setdefault("components", {})
        self.schemas: dict[str, Any] = components.setdefault("schemas", {})
        self._error_body_ref: str | None = None

    def record(self, kind: str, pointer: str, detail: str) -> None:
        self.repairs.append(Repair(kind, pointer, detail))

    def add_defs(self, defs: Mapping[str, Any], origin: str) -> None:
        for def_name, def_schema in defs.items():
            if def_name in self.schemas:
                continue  # never clobber what the server declared (or what an earlier fill added)
            self.schemas[def_name] = def_schema
            self.record("schema-dependency", f"/components/schemas/{escape_pointer(def_name)}",
                        f"added, needed by {origin}")

    def fill_schema(self, name: str, users: list[str]) -> bool:
        found = find_package_type(self.package, name)
        if found is None:
            return False
        obj, where = found
        in_request = any("/requestBody/" in user or "/parameters/" in user for user in users)
        mode = "validation" if in_request else "serialization"
        try:
            schema, defs = type_json_schema(obj, mode)
        except Exception as exc:  # a type pydantic cannot describe is as good as missing
            self.record("unresolved", f"/components/schemas/{escape_pointer(name)}",
                        f"{where} has no JSON schema ({type(exc).__name__}: {exc})")
            return False
        if schema.get("$ref") == SCHEMAS_PREFIX + name and name in defs:
            schema = defs.pop(name)  # a recursive model comes back as a $ref to itself
        self.schemas[name] = schema
        self.record("schema", f"/components/schemas/{escape_pointer(name)}",
                    f"filled from {where} ({mode} schema); referenced {len(users)}x, first at {users[0]}")
        self.add_defs(defs, name)
        return True

    def error_body_ref(self) -> str:
        """The error body schema, added once to the components; its $ref."""
        if self._error_body_ref is not None:
            return self._error_body_ref
        name = ERROR_BODY_NAME
        while name in self.schemas:
            name += "_"
        found = find_package_type(self.package, "OpenAIErrorResponse")
        if found is not None:
            schema, defs = type_json_schema(found[0], "serialization")
            self.add_defs(defs, name)
            target = "OpenAIErrorResponse"
            if target not in self.schemas:
                self.schemas[target] = schema
                self.record("schema-dependency", f"/components/schemas/{target}",
                            f"added from {found[1]}, needed by {name}")
            openai_body: dict[str, Any] = {"$ref": SCHEMAS_PREFIX + target}
            source = found[1]
        else:
            openai_body, source = _fallback_openai_body(), "a minimal {error: {message}} (no OpenAIErrorResponse)"
        vendor_bodies = []
        vendor_types = _vendor_error_types(self.package)
        for vendor_name, (vendor_type, vendor_source) in vendor_types.items():
            schema, defs = type_json_schema(vendor_type, "serialization")
            self.add_defs(defs, name)
            if vendor_name not in self.schemas:
                self.schemas[vendor_name] = schema
                self.record("schema-dependency", f"/components/schemas/{vendor_name}",
                            f"added from {vendor_source}, needed by {name}")
            vendor_bodies.append({"$ref": SCHEMAS_PREFIX + vendor_name})
        self.schemas[name] = {
            "title": name,
            "description": "What ogx / llama-stack servers send for an error: the exception handlers' "
            "OpenAI-style body, FastAPI's {detail} body for HTTPException, or the vendor body an API "
            "speaking another vendor's protocol declares (Anthropic messages, Google interactions).",
            "anyOf": [openai_body, _starlette_detail_body(), *vendor_bodies],
        }
        vendors = "".join(f", {vendor}" for vendor in vendor_types)
        self.record("error-body", f"/components/schemas/{escape_pointer(name)}",
                    f"the servers' error bodies: {source}{vendors} or {{detail: ...}}{self.declared_error_note()}")
        self._error_body_ref = SCHEMAS_PREFIX + name
        return self._error_body_ref

    def declared_error_note(self) -> str:
        found = find_package_type(self.package, "Error")
        if found is None:
            return ""
        fields = ", ".join(getattr(found[0], "model_fields", {}) or ())
        return f"; the package's declared {found[1]} ({fields}) is not what the servers send"

    def fill_response(self, name: str, users: list[str]) -> None:
        match = re.search(r"(\d{3})$", name)
        status = int(match.group(1)) if match else None
        try:
            phrase = http.HTTPStatus(status).phrase if status else "Any other status"
        except ValueError:
            phrase = f"HTTP {status}"
        responses = self.spec["components"].setdefault("responses", {})
        responses[name] = {
            "description": f"{phrase}: the error body ogx / llama-stack servers send.",
            "content": {"application/json": {"schema": {"$ref": self.error_body_ref()}}},
        }
        self.record("response", f"/components/responses/{escape_pointer(name)}",
                    f"filled as the '{phrase}' response, body {self.error_body_ref()}; "
                    f"referenced {len(users)}x")

    def neutralise(self, ref: str, users: list[str], reason: str) -> None:
        for pointer in users:
            located = _node_at(self.spec, pointer)
            if located is None:
                continue
            container, key = located
            in_responses = _RESPONSE_POINTER.match(pointer) is not None
            container[key] = {"description": f"unresolved reference {ref}"} if in_responses else {}
            self.record("unresolved", pointer, f"{ref}: {reason}; replaced by "
                        f"{'a bare response' if in_responses else '{}'} so tools can still run")

    def raw_body(self, name: str, users: list[str]) -> bool:
        """``#/components/schemas/Response`` in an answer: the route's raw body, as a string.

        llama-stack-api 0.4-0.6's files content route declares its 200 answer as
        ``{"$ref": "#/components/schemas/Response"}`` by hand (files/fastapi_routes.py, ``responses=``
        of ``/files/{file_id}/content``): ``Response`` is the Starlette class the route returns (the
        file's bytes), not a model, so no document defines it. 0.7 declares the same answer as
        ``{"type": "string"}``; the repair writes that, where the reference is an answer's schema.
        """
        answers = [user for user in users if _ANSWER_SCHEMA.match(user)]
        if name != _RAW_RESPONSE or len(answers) != len(users):
            return False
        for pointer in answers:
            located = _node_at(self.spec, pointer)
            if located is not None:
                container, key = located
                container[key] = {"type": "string"}
                self.record("raw-body", pointer, f"{SCHEMAS_PREFIX}{name} is the Starlette Response the route "
                            "returns (the raw body), not a model; described as a string, as later versions "
                            "of the package document it")
        return True

    def fill_dangling(self) -> None:
        for _round in range(_MAX_ROUNDS):
            missing = dangling_refs(self.spec)
            if not missing:
                return
            for ref, users in missing.items():
                if ref.startswith(SCHEMAS_PREFIX) and "/" not in ref[len(SCHEMAS_PREFIX):]:
                    name = _unescape(ref[len(SCHEMAS_PREFIX):])
                    if not self.fill_schema(name, users) and not self.raw_body(name, users):
                        self.neutralise(ref, users, f"{self.package.__name__} has no model or type named {name!r}")
                elif ref.startswith(RESPONSES_PREFIX) and "/" not in ref[len(RESPONSES_PREFIX):]:
                    self.fill_response(_unescape(ref[len(RESPONSES_PREFIX):]), users)
                else:
                    self.neutralise(ref, users, "not a component the kit knows how to fill")
        for ref, users in dangling_refs(self.spec).items():
            self.neutralise(ref, users, f"still dangling after {_MAX_ROUNDS} rounds")

    def relax_errata(self) -> None:
        from llama_conformance.validate.errata import NULL_STRIPPED

        for name, schema in list(self.schemas.items()):
            if not isinstance(schema, dict):
                continue
            relaxed = copy.deepcopy(schema)
            found = find_package_type(self.package, name)
            if not NULL_STRIPPED.relax(relaxed, found[0] if found else None):
                continue
            fields = sorted(set(_changed_properties(schema, relaxed)))
            self.schemas[name] = relaxed
            self.record("erratum", f"/components/schemas/{escape_pointer(name)}",
                        f"{NULL_STRIPPED.id}: null re-admitted on {', '.join(fields)} (default None or "
                        f"OpenAPI 3.0 `nullable`; the server's serializer writes null there)")

    def relax_form_json_fields(self) -> None:
        """Erratum ``erratum.form-json-field``: a multipart text field the router parses as JSON.

        ``POST /v1/files`` publishes ``expires_after`` as "a string or null", but the router
        parses it as the JSON of the package's ``ExpiresAfter`` (or bracketed fields), and a
        multipart body cannot carry a JSON null at all: ``"null"`` or any other string is a
        400. Where a multipart body's string field is named after a package model, the field
        is described by JSON encodings of that model's boundary values instead.
        """
        for name, schema in list(self.schemas.items()):
            if not name.startswith("Body_") or not isinstance(schema, dict):
                continue
            for field_name, prop in list((schema.get("properties") or {}).items()):
                model = find_package_type(self.package, _camel(field_name))
                examples = _boundary_json(model[0]) if model else []
                if model is None or not examples or not _string_or_null(prop):
                    continue
                schema["properties"][field_name] = {"type": "string", "enum": examples,
                                                     **{k: prop[k] for k in ("title", "description") if k in prop}}
                self.record("erratum", f"/components/schemas/{escape_pointer(name)}/properties/{field_name}",
                            f"erratum.form-json-field: published as string or null, but the router parses it as "
                            f"JSON of {model[1]} (multipart cannot carry null); described as {len(examples)} "
                            "JSON encodings of that model")

    def relax_mutually_exclusive_fields(self) -> None:
        """Erratum ``erratum.mutually-exclusive-fields``: two body fields only prose says are exclusive.

        ``POST /v1alpha/file-processors/process`` publishes ``file`` and ``file_id`` as both
        optional, each described "Mutually exclusive with" the other, and the router answers 400
        unless exactly one is sent. A fuzzer drawing from the published schema would send both
        or neither and call the 400 a rejected valid request. The repair describes the body with
        the upload alone, required: a drawn ``file_id`` names no stored file in any case.
        """
        for name, schema in list(self.schemas.items()):
            props = schema.get("properties") if isinstance(schema, dict) else None
            if not name.startswith("Body_") or not isinstance(props, dict):
                continue
            for field_name, prop in list(props.items()):
                other = _exclusive_partner(prop)
                if other is None or other not in props or field_name.endswith("_id") or not other.endswith("_id"):
                    continue
                del props[other]
                schema["required"] = sorted({*schema.get("required", ()), field_name} - {other})
                branches = prop.get("anyOf") if isinstance(prop, dict) else None
                if branches:
                    kept = [b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")]
                    props[field_name] = {**{k: v for k, v in prop.items() if k != "anyOf"}, **kept[0]} \
                        if len(kept) == 1 else {**prop, "anyOf": kept}
                self.record("erratum", f"/components/schemas/{escape_pointer(name)}",
                            f"erratum.mutually-exclusive-fields: {field_name} and {other} are both optional, "
                            f"but only one may be sent (their descriptions); described with {field_name} alone, "
                            "required")

    def document_jsonl_answers(self) -> None:
        """Erratum ``erratum.jsonl-undocumented``: an answer sent as JSON Lines, documented as JSON.

        ``GET /v1/messages/batches/{id}/results`` ("Stream the results ... as JSONL") answers
        ``application/x-jsonl`` (a ``StreamingResponse`` in the package's router) while the
        document names ``application/json`` only, so every provider's answer would be an
        undocumented content type. The repair adds the media type the router sends.
        """
        for path, operations in (self.spec.get("paths") or {}).items():
            for method, operation in (operations or {}).items():
                if not isinstance(operation, dict) or "jsonl" not in str(operation.get("description", "")).lower():
                    continue
                content = ((operation.get("responses") or {}).get("200") or {}).get("content")
                if not isinstance(content, dict) or "application/x-jsonl" in content:
                    continue
                content["application/x-jsonl"] = {"schema": {"type": "string"}}
                self.record("erratum", f"/paths/{escape_pointer(path)}/{method}/responses/200",
                            "erratum.jsonl-undocumented: the router answers application/x-jsonl, the document "
                            "names only " + ", ".join(sorted(set(content) - {"application/x-jsonl"})))

    def document_sdk_format_answers(self) -> None:
        """Erratum ``erratum.sdk-format-answers``: an answer whose format the request's SDK headers choose.

        ogx-api 1.5's models router answers ``GET /v1/models`` and ``GET /v1/models/{model_id}`` in
        the Anthropic SDK's format when the request carries ``anthropic-version``, and in the Google
        SDK's when it carries an ``x-goog-*`` header (``models/fastapi_routes.py``, ``list_models``
        and ``get_model``), yet the document declares only the OpenAI-format model. A fuzzer that
        sends those documented headers would call every such answer a schema failure of the
        provider. The declared answer stays as it is (an OpenAI-format request is held to it, with
        its diagnostics); the operation gets ``SDK_ANSWERS_KEY``: per vendor, in the router's order
        of precedence, the headers that choose it and the schema of its answer, that vendor's
        counterparts of the declared model in its module (a listing for a listing, an item for an
        item), which ``fuzz.checks.response_schema_conformance`` holds such an answer to.
        """
        for path, operations in (self.spec.get("paths") or {}).items():
            for method, operation in (operations or {}).items():
                vendors = _sdk_vendors(operation)
                media = _json_answer(operation) if vendors and SDK_ANSWERS_KEY not in operation else None
                declared = (media.get("schema") or {}).get("$ref") if media is not None else None
                if not isinstance(declared, str) or not declared.startswith(SCHEMAS_PREFIX):
                    continue  # no SDK switch, or already described (a second repair changes nothing)
                name = _unescape(declared[len(SCHEMAS_PREFIX):])
                found = find_package_type(self.package, name)
                pointer = f"/paths/{escape_pointer(path)}/{method}/{SDK_ANSWERS_KEY}"
                answers = []
                for vendor in vendors:
                    if found is None or name.startswith(vendor):  # a route of that vendor's own protocol
                        continue
                    counterparts = [counterpart for counterpart in _vendor_counterparts(found[0], vendor)
                                    if counterpart in self.schemas or self.fill_schema(counterpart, [pointer])]
                    refs = [{"$ref": SCHEMAS_PREFIX + counterpart} for counterpart in counterparts]
                    if refs:
                        answers.append({"vendor": vendor, "headers": _sdk_headers(operation, vendor),
                                        "schema": refs[0] if len(refs) == 1 else {"anyOf": refs},
                                        "models": counterparts})
                if not answers:
                    continue
                operation[SDK_ANSWERS_KEY] = answers
                said = "; ".join(f"{', '.join(answer['headers'])}: {' or '.join(answer['models'])}"
                                 for answer in answers)
                self.record("erratum", pointer,
                            f"erratum.sdk-format-answers: the router answers in another SDK's format when the request "
                            f"carries its header, and the document declares only {name}; such answers are held to "
                            f"that SDK's model ({said})")

    def describe_streams(self) -> None:
        for pointer, detail in describe_event_streams(self.spec, lambda: {"$ref": self.error_body_ref()}):
            self.record("sse-event", pointer, detail)


# Request headers by which a router recognises another vendor's SDK (ogx-api 1.5
# models/fastapi_routes.py: ``anthropic_version``, ``_is_google_sdk_request``), and the prefix of
# that vendor's model names in the package.
_SDK_HEADER_VENDORS = (("anthropic-", "Anthropic"), ("x-goog-", "Google"))  # in the router's precedence


def _sdk_headers(operation: Any, vendor: str | None = None) -> list[str]:
    """The documented request headers of ``operation`` that name an SDK (``vendor``'s alone, if given)."""
    prefixes = tuple(prefix for prefix, named in _SDK_HEADER_VENDORS if vendor in (None, named))
    parameters = operation.get("parameters") if isinstance(operation, dict) else None
    return sorted(parameter["name"] for parameter in parameters or () if isinstance(parameter, dict)
                  and parameter.get("in") == "header" and isinstance(parameter.get("name"), str)
                  and parameter["name"].lower().startswith(prefixes))


def _json_answer(operation: Any) -> dict[str, Any] | None:
    """The ``application/json`` media object of an operation's 200 answer, if it has one."""
    responses = operation.get("responses") if isinstance(operation, dict) else None
    answer = responses.get("200") if isinstance(responses, dict) else None
    content = answer.get("content") if isinstance(answer, dict) else None
    media = content.get("application/json") if isinstance(content, dict) else None
    return media if isinstance(media, dict) else None


def _sdk_vendors(operation: Any) -> list[str]:
    """The vendors whose SDK an operation recognises by a documented request header, in the router's precedence."""
    return [vendor for _prefix, vendor in _SDK_HEADER_VENDORS if _sdk_headers(operation, vendor)]


def _is_listing(model: Any) -> bool:
    """A model with a required list field (``OpenAIListModelsResponse.data``), as against one item."""
    import typing

    fields = getattr(model, "model_fields", None) or {}
    return any(info.is_required() and typing.get_origin(info.annotation) is list for info in fields.values())


def _vendor_counterparts(declared: Any, vendor: str) -> list[str]:
    """The vendor's models beside ``declared`` in its module, of the same kind (listing or item)."""
    module = sys.modules.get(getattr(declared, "__module__", ""))
    if module is None:
        return []
    return [name for name, obj in sorted(vars(module).items())
            if name.startswith(vendor) and getattr(obj, "__module__", None) == module.__name__
            and _is_schema_type(obj) and isinstance(obj, type) and _is_listing(obj) == _is_listing(declared)]


def _changed_properties(before: Any, after: Any, path: str = "") -> Iterator[str]:
    """Dotted names of the properties whose schema differs between two versions of a schema."""
    if isinstance(before, dict) and isinstance(after, dict):
        props_before, props_after = before.get("properties"), after.get("properties")
        if isinstance(props_before, dict) and isinstance(props_after, dict):
            for key, value in props_after.items():
                if props_before.get(key) != value:
                    yield f"{path}{key}"
        for key, value in after.items():
            if key != "properties" and key in before:
                yield from _changed_properties(before[key], value, path)
    elif isinstance(before, list) and isinstance(after, list):
        for old, new in zip(before, after, strict=False):
            yield from _changed_properties(old, new, path)


_EXCLUSIVE = re.compile(r"mutually exclusive with (\w+)", re.IGNORECASE)


def _exclusive_partner(prop: Any) -> str | None:
    """``file_id`` for a property described "... Mutually exclusive with file_id."."""
    found = _EXCLUSIVE.search(str(prop.get("description", ""))) if isinstance(prop, dict) else None
    return found.group(1) if found else None


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _string_or_null(prop: Any) -> bool:
    if not isinstance(prop, dict) or "enum" in prop:  # an enum is already a description of values
        return False
    branches = prop.get("anyOf") or [prop]
    kinds = {branch.get("type") for branch in branches if isinstance(branch, dict)}
    return kinds <= {"string", "null"} and "string" in kinds


def _boundary_json(model: Any) -> list[str]:
    """JSON of the model at its lower and upper bounds (consts and enums first value), if buildable."""
    import json

    try:
        schema = model.model_json_schema()
    except Exception:
        return []
    ends: list[dict[str, Any]] = [{}, {}]
    for field_name, prop in (schema.get("properties") or {}).items():
        if "const" in prop:
            values = [prop["const"], prop["const"]]
        elif prop.get("enum"):
            values = [prop["enum"][0], prop["enum"][-1]]
        elif prop.get("type") == "integer" and "minimum" in prop and "maximum" in prop:
            values = [prop["minimum"], prop["maximum"]]
        else:
            return []
        for end, value in zip(ends, values, strict=True):
            end[field_name] = value
    try:
        return sorted({json.dumps(model.model_validate(end).model_dump(mode="json")) for end in ends})
    except Exception:
        return []


def repair_spec(spec: Mapping[str, Any], package_module: ModuleType, *, errata: bool = True) -> RepairedSpec:
    """A self-contained copy of ``spec``: dangling refs filled from ``package_module``, streams described.

    ``package_module`` is the API package the server was built from (``ogx_api`` or
    ``llama_stack_api``; ``contract.package.module``). ``errata`` relaxes the kit's documented
    schema errata (see the module docstring). Every change is one ``Repair``.
    """
    had_components = isinstance(spec.get("components"), dict)
    had_schemas = had_components and "schemas" in spec["components"]
    repairer = _Repairer(copy.deepcopy(dict(spec)), package_module)
    repairer.fill_dangling()
    if errata:
        repairer.document_sdk_format_answers()  # first: the vendor models it adds get the other errata too
        repairer.relax_errata()
        repairer.relax_form_json_fields()
        repairer.relax_mutually_exclusive_fields()
        repairer.document_jsonl_answers()
    repairer.describe_streams()
    # The working copy always has somewhere to put schemas; a document that needed none keeps its shape.
    components = repairer.spec["components"]
    if not had_schemas and not components.get("schemas"):
        components.pop("schemas", None)
    if not had_components and not components:
        repairer.spec.pop("components")
    return RepairedSpec(spec=repairer.spec, repairs=repairer.repairs)
