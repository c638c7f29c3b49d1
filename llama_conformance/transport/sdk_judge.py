"""The official client SDK as a second judge of every HTTP answer (``http.sdk-parses``).

An answer the API package's schema accepts can still break the people who call the deployment
through the official SDK: ogx-client's models are generated with strict types (``StrictInt``,
``StrictFloat``), so a file's ``bytes`` sent as ``12.0`` or a search ``score`` sent as ``null``
(JSON has no Infinity) raise a ``ValidationError`` in ``vector_stores.search(...)`` although a
lax schema, or the openai SDK, takes them. So over HTTP each 2xx JSON answer and each stream
event is also parsed the way the SDK's own client parses it, by the SDK's own code:

* ogx-client (contract ``ogx_api``): the generated ``<Tag>Api`` method of the route (its
  ``_<name>_serialize`` names the verb and path, the method its ``'200'`` model and, for a
  stream, the event type) parses a 200 with ``ApiClient.deserialize`` (``<Model>.from_dict``,
  pydantic ``model_validate``): a failure raises in the user's call. A stream event goes through
  the api's own ``_create_event_stream`` decoder, which on failure hands back the bare dict
  (typed access then fails in the user's code): both are findings.
* llama-stack-client and openai (Stainless clients) build answers with ``construct_type`` unless
  a client opts into ``_strict_response_validation``: their default client rejects nothing, so a
  judge built on them would only ever pass. They are not used as judges (see ``judge_for``).

Who is at fault: when the SDK also rejects the package's *canonical* serialization of the same
value (the answer parsed by the contract and dumped back to JSON), the SDK and the published
contract disagree, not the server: that is reported as an erratum naming the SDK, never a
failure. Otherwise the server sent JSON its SDK cannot read: a MUST failure of the deployment.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import json
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from types import SimpleNamespace
from typing import Any

from llama_conformance.checks import Finding, Level, finding
from llama_conformance.transport.checks import SDK_PARSES

# The contract package -> the official client of the server that publishes it (distribution, module).
SDK_OF_PACKAGE: dict[str, tuple[str, str]] = {
    "ogx_api": ("ogx-client", "ogx_client"),
    "llama_stack_api": ("llama-stack-client", "llama_stack_client"),
}
# Clients whose default answer parsing is Stainless' ``construct_type``: nothing is validated.
CONSTRUCTING_CLIENTS = frozenset({"llama_stack_client", "openai"})

_PARAM = re.compile(r"\{[^}]*\}")
_DEF = re.compile(r"^    (?:async )?def (\w+)\(", re.M)
_CLASS = re.compile(r"^class (\w+)\b", re.M)
_SERIALIZE = re.compile(r"method='(\w+)',\s*resource_path='([^']+)'")
_OK_TYPE = re.compile(r"'200': \"([^\"]+)\"")
_STREAM_TYPE = re.compile(r"_create_event_stream\(response_data, \"(\w+)\"\)")


# What ogx-client's ``ApiClient`` hands over without a model: bytes, files, text, primitives.
_NOT_MODELS = frozenset({"bytearray", "file", "str", "int", "float", "bool", "object", "date", "datetime",
                         "decimal"})


def route_key(method: str, path: str) -> tuple[str, str]:
    """A route's verb and path with every ``{param}`` (and ``{param:path}``) alike."""
    return method.upper(), _PARAM.sub("{}", path)


@dataclass(frozen=True)
class SdkOperation:
    """What the SDK's generated method for one route parses: its 200 model and its stream event type."""

    api_class: type
    method_name: str
    model: str | None
    stream_model: str | None


@dataclass(frozen=True)
class Rejection:
    """The SDK's parse failed: which model, where in it, and its error (first line)."""

    model: str
    where: str
    error: str


def _first_error(exc: Exception) -> tuple[str, str]:
    """(field path, message) of an SDK exception: pydantic's first error, else the exception's text."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
        except Exception:  # not pydantic's errors(): fall through to the text
            first = None
        if isinstance(first, dict):
            loc = ".".join(str(part) for part in first.get("loc", ())) or "(the top level)"
            title = getattr(exc, "title", "")
            shown = repr(first.get("input"))[:80]
            return (f"{title}.{loc}" if title else loc), f"{first.get('msg')} (got {shown})"
    return "(the top level)", f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"


class _Capture:
    """Stands in for an api's ``logger``: keeps what its stream decoder says when a parse fails."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def debug(self, message: str, *args: Any) -> None:
        self.messages.append(message % args if args else message)

    info = warning = error = debug


class OgxClientJudge:
    """ogx-client's parsing of 200 answers and stream events (see the module docstring)."""

    distribution = "ogx-client"

    def __init__(self) -> None:
        import ogx_client
        import ogx_client.api

        self.version = metadata.version(self.distribution)
        self._client = ogx_client.ApiClient()
        self.operations = self._operations(ogx_client.api)
        self._decoders: dict[tuple[type, str], tuple[Callable[[str], Any], _Capture]] = {}

    @staticmethod
    def _operations(package: Any) -> dict[tuple[str, str], SdkOperation]:
        """Every generated method's route -> what it parses, read from the generated source itself."""
        table: dict[tuple[str, str], SdkOperation] = {}
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            source = inspect.getsource(module)
            classes = [(m.start(), m.group(1)) for m in _CLASS.finditer(source)]
            defs = list(_DEF.finditer(source))
            blocks: dict[tuple[str, str], str] = {}
            for index, match in enumerate(defs):
                end = defs[index + 1].start() if index + 1 < len(defs) else len(source)
                before = [name for start, name in classes if start < match.start()]
                if before:
                    blocks.setdefault((before[-1], match.group(1)), source[match.start():end])
            for (owner, name), text in blocks.items():
                if not (name.startswith("_") and name.endswith("_serialize")):
                    continue
                route = _SERIALIZE.search(text)
                base = name[1:-len("_serialize")]
                body = blocks.get((owner, base), "")
                api_class = getattr(module, owner, None)
                if route is None or api_class is None or not body:
                    continue
                ok, stream = _OK_TYPE.search(body), _STREAM_TYPE.search(body)
                key = route_key(route.group(1), route.group(2))
                table.setdefault(key, SdkOperation(api_class, base, ok.group(1) if ok else None,
                                                   stream.group(1) if stream else None))
        return table

    def operation(self, method: str, path: str) -> SdkOperation | None:
        return self.operations.get(route_key(method, path))

    def answer(self, operation: SdkOperation, raw: Any) -> Rejection | None:
        """``ApiClient.deserialize`` of a 200 body as the method's model, as ``response_deserialize`` calls it."""
        model = operation.model
        if model is None or model in _NOT_MODELS or not isinstance(raw, dict | list):
            return None  # file content, a bare value: the SDK hands it over as it came
        try:
            self._client.deserialize(json.dumps(raw), model, "application/json")
        except Exception as exc:  # whatever the SDK raises is what its user's call raises
            where, error = _first_error(exc)
            return Rejection(model, where, error)
        return None

    def event(self, operation: SdkOperation, raw: Any) -> Rejection | None:
        """The api's own stream decoder on one event: a bare dict back means it could not type it."""
        if operation.stream_model is None or not isinstance(raw, dict):
            return None
        key = (operation.api_class, operation.stream_model)
        if key not in self._decoders:
            api = operation.api_class(self._client)
            capture = _Capture()
            api.logger = capture
            stream = api._create_event_stream(SimpleNamespace(response=None), operation.stream_model)
            self._decoders[key] = (stream._decoder, capture)
        decoder, capture = self._decoders[key]
        capture.messages.clear()
        decoded = decoder(json.dumps(raw))
        if not isinstance(decoded, dict):
            return None
        said = [m for m in capture.messages if m.startswith("Failed to deserialize")]
        return Rejection(operation.stream_model, "(the event)",
                         (said[-1].split(": ", 1)[-1].splitlines()[0][:300] if said
                          else "no event type of the SDK matched") + "; the SDK hands back the bare dict")


@dataclass
class SdkJudge:
    """Judges one route's answers with one SDK; ``canonical`` re-serializes a value as the contract does."""

    backend: OgxClientJudge
    canonical: Callable[[Any, Any], Any] | None = None  # (package type, raw) -> canonical JSON, or None

    @property
    def sdk(self) -> str:
        return f"{self.backend.distribution} {self.backend.version}"

    def judge_answer(self, method: str, path: str, raw: Any, package_type: Any = None) -> Finding | None:
        operation = self.backend.operation(method, path)
        if operation is None or self._contract_rejects(package_type, raw):
            return None
        rejection = self.backend.answer(operation, raw)
        if rejection is None:
            return None
        blame = self._blame(lambda canon: self.backend.answer(operation, canon), package_type, raw)
        return self._finding(f"{method} {path}", f"{operation.api_class.__name__}.{operation.method_name}",
                             rejection, blame, "raises it in the caller's code")

    def judge_event(self, method: str, path: str, raw: Any, index: int, package_type: Any = None) -> Finding | None:
        operation = self.backend.operation(method, path)
        if operation is None or self._contract_rejects(package_type, raw):
            return None
        rejection = self.backend.event(operation, raw)
        if rejection is None:
            return None
        blame = self._blame(lambda canon: self.backend.event(operation, canon), package_type, raw)
        return self._finding(f"{method} {path} stream event {index}",
                             f"{operation.api_class.__name__}.{operation.method_name}", rejection, blame,
                             "cannot type it")

    def _contract_rejects(self, package_type: Any, raw: Any) -> bool:
        """The API package itself rejects ``raw``: the contract's own judges (``response.schema``, the
        API's checks such as ``vector_io.search.scores-finite``) report it, once, under their ids. The
        SDK is the second judge of answers the contract accepts."""
        return self.canonical is not None and package_type is not None and self.canonical(package_type, raw) is None

    def _blame(self, again: Callable[[Any], Rejection | None], package_type: Any, raw: Any) -> str | None:
        """None: the server's JSON is at fault; else why the SDK disagrees with the contract itself."""
        if self.canonical is None or package_type is None:
            return None
        canon = self.canonical(package_type, raw)
        if canon is None or again(canon) is None:
            return None
        return "the SDK also rejects the contract's own serialization of this value"

    def _finding(self, what: str, method: str, rejection: Rejection, blame: str | None, effect: str) -> Finding:
        message = (f"{what}: {self.sdk} rejects the answer: {method} parses it as {rejection.model}, which "
                   f"fails at {rejection.where}: {rejection.error}. The SDK {effect}; ")
        if blame is not None:
            return finding(SDK_PARSES, message + f"{blame}, so the SDK and the published contract disagree "
                                                 f"({self.backend.distribution}'s maintainers must act, not the "
                                                 "server's).", level=Level.MAY,
                           erratum=f"{self.backend.distribution}.{rejection.model}")
        return finding(SDK_PARSES, message + "the server (its provider) must send JSON its official SDK reads.")


def _adapter(package_type: Any) -> Any:
    """One TypeAdapter per package type: building one costs milliseconds, and every answer over HTTP
    is judged against its type (twice when the SDK rejects it). An unhashable type is built each time."""
    from pydantic import TypeAdapter

    try:
        return _cached_adapter(package_type)
    except TypeError:
        return TypeAdapter(package_type)


@functools.cache
def _cached_adapter(package_type: Any) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(package_type)


def _canonical(package_type: Any, raw: Any) -> Any:
    """The contract's own JSON for ``raw``: parsed as the package type and dumped back over ``raw`` (fields the
    type does not declare are kept as sent); None if it does not parse."""
    try:
        adapter = _adapter(package_type)
        dumped = adapter.dump_python(adapter.validate_python(raw), mode="json", by_alias=True, exclude_unset=True)
    except Exception:  # not the contract's shape: the raw JSON alone is judged
        return None
    return _over(raw, dumped)


def _over(raw: Any, dumped: Any) -> Any:
    if isinstance(raw, dict) and isinstance(dumped, dict):
        return {**raw, **{key: _over(raw.get(key), value) for key, value in dumped.items()}}
    if isinstance(raw, list) and isinstance(dumped, list) and len(raw) == len(dumped):
        return [_over(a, b) for a, b in zip(raw, dumped, strict=True)]
    return dumped


@functools.cache
def not_judged_reason(package_module: str) -> str | None:
    """Why no SDK judges answers for contract ``package_module`` (not applicable); None when one does."""
    sdk = SDK_OF_PACKAGE.get(package_module)
    if sdk is None:
        return f"no official client SDK is known for {package_module}"
    distribution, module = sdk
    if module in CONSTRUCTING_CLIENTS:
        return (f"{distribution} builds answers with construct_type (no validation) unless a client opts into "
                "_strict_response_validation: its default client rejects no answer")
    if importlib.util.find_spec(module) is None:  # not imported here: ogx-client takes seconds to import
        return f"{distribution} is not installed (pip install {distribution}) to parse the answers with"
    return None


@functools.cache
def judge_for(package_module: str) -> SdkJudge | None:
    """The SDK judge of contract ``package_module``; None when ``not_judged_reason`` names why not."""
    if not_judged_reason(package_module) is not None:
        return None
    return SdkJudge(OgxClientJudge(), canonical=_canonical)
