"""What one protocol member declares: parameters, return type, async, streaming.

Derived from the protocol function itself with ``inspect`` and ``typing.get_type_hints``,
so the kit follows whatever version of the API package is installed.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import inspect
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from llama_conformance.contract.typecompat import Unknown

_NO_DEFAULT: Any = inspect.Parameter.empty


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter (``self`` excluded)."""

    name: str
    kind: inspect._ParameterKind
    annotation: Any
    default: Any = _NO_DEFAULT

    @property
    def has_default(self) -> bool:
        return self.default is not _NO_DEFAULT

    @property
    def default_value(self) -> Any:
        """The value the parameter defaults to. llama-stack 0.2's protocols write ``model: str | None =
        Field(default=None, description=...)``: the value is the FieldInfo's ``default`` (``default`` keeps the
        FieldInfo, whose constraints a request model built from the parameters needs; a default factory stays)."""
        if type(self.default).__name__ == "FieldInfo" and hasattr(self.default, "default"):
            from pydantic_core import PydanticUndefined

            return self.default if self.default.default is PydanticUndefined else self.default.default
        return self.default

    @property
    def kind_name(self) -> str:
        return self.kind.description


@dataclass(frozen=True)
class MemberSpec:
    """One method a provider must offer, as a protocol declares it.

    ``provider_call`` is set where a documented erratum says the server calls providers
    differently from the declaration (``erratum`` says how and where): the parameters the
    server's router actually passes. The structural suite accepts either shape then.

    ``optional`` members have a protocol default that raises ``NotImplementedError``: a
    provider may leave them out and the server answers 501. ``implied`` members are not
    declared by any protocol but the server's routing tables call them anyway (the
    ``unregister_*`` twin of a private ``register_*``).
    """

    api: str
    name: str
    protocol: str
    params: tuple[ParamSpec, ...]
    returns: Any
    is_async: bool
    streaming: bool
    chunk_type: Any = None
    optional: bool = False
    private: bool = False
    implied: bool = False
    request_models: tuple[type, ...] = field(default=())
    provider_call: tuple[ParamSpec, ...] | None = None
    erratum: str | None = None
    flat: bool = False  # the request model is the kit's, made of flat parameters (``flat_request_call``)

    @property
    def member_id(self) -> str:
        return f"{self.api}.{self.name}"

    @property
    def response_type(self) -> Any:
        """The non-streaming return type: ``returns`` without its async-iterator member."""
        return non_stream_part(self.returns)

    @property
    def request_model(self) -> type | None:
        """The one request model the member takes, if it takes exactly one."""
        return self.request_models[0] if len(self.request_models) == 1 else None


@dataclass(frozen=True)
class AttributeSpec:
    """A non-method attribute a protocol requires (``model_store``, ``API_NAMESPACE``)."""

    api: str
    name: str
    protocol: str
    annotation: Any
    default: Any = _NO_DEFAULT

    @property
    def member_id(self) -> str:
        return f"{self.api}.{self.name}"


def resolved_hints(func: Any) -> dict[str, Any]:
    """Annotations of ``func`` with forward references resolved where possible."""
    try:
        return typing.get_type_hints(func)
    except Exception:
        raw = getattr(func, "__annotations__", {}) or {}
        module = inspect.getmodule(func)
        namespace = vars(module) if module else {}
        hints = {}
        for name, value in raw.items():
            if isinstance(value, str):
                try:
                    value = eval(value, namespace)
                except Exception:
                    value = Unknown(value)
            hints[name] = value
        return hints


_ITERATORS = (collections.abc.AsyncIterator, collections.abc.AsyncGenerator, collections.abc.AsyncIterable)


def _union_members(tp: Any) -> tuple[Any, ...]:
    return typing.get_args(tp) if typing.get_origin(tp) in (typing.Union, types.UnionType) else (tp,)


def _async_iterator_args(tp: Any) -> list[Any] | None:
    """Chunk types if ``tp`` is or contains an async iterator, else None.

    Read from the declared types themselves (not ``normalize``d), so a chunk type that is a
    union of event classes stays a ``typing`` union pydantic and JSON Schema understand.
    """
    chunks = [
        (typing.get_args(member) or (Any,))[0]
        for member in _union_members(tp)
        if typing.get_origin(member) in _ITERATORS
    ]
    return chunks or None


def non_stream_part(tp: Any) -> Any:
    """``A | AsyncIterator[B]`` -> ``A``; a type without an iterator member is unchanged."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return tp
    kept = [arg for arg in _union_members(tp) if typing.get_origin(arg) not in _ITERATORS]
    if not kept:
        return type(None)
    return kept[0] if len(kept) == 1 else typing.Union[tuple(kept)]  # noqa: UP007


def _raises_not_implemented(func: Any) -> bool:
    code = getattr(func, "__code__", None)
    return code is not None and "NotImplementedError" in code.co_names


def _request_models(params: tuple[ParamSpec, ...]) -> tuple[type, ...]:
    models = []
    for param in params:
        ann = param.annotation
        if isinstance(ann, type) and hasattr(ann, "model_fields"):
            models.append(ann)
    return tuple(models)


def member_from_function(
    api: str, protocol: type, name: str, func: Any, *, private: bool = False
) -> MemberSpec:
    """Describe ``protocol.name`` (a function) as a MemberSpec."""
    signature = inspect.signature(func)
    hints = resolved_hints(func)
    params = tuple(
        ParamSpec(
            name=p.name,
            kind=p.kind,
            annotation=hints.get(p.name, Any),
            default=p.default,
        )
        for p in list(signature.parameters.values())[1:]  # drop self
    )
    returns = hints.get("return", Any)
    chunks = _async_iterator_args(returns)
    return MemberSpec(
        api=api,
        name=name,
        protocol=protocol.__name__,
        params=params,
        returns=returns,
        is_async=inspect.iscoroutinefunction(func),
        streaming=chunks is not None,
        chunk_type=(typing.Union[tuple(chunks)] if chunks and len(chunks) > 1 else  # noqa: UP007
                    (chunks[0] if chunks else None)),
        optional=_raises_not_implemented(func),
        private=private,
        request_models=_request_models(params),
    )


def implied_unregister(api: str, protocol: type, name: str) -> MemberSpec:
    """The ``unregister_*`` the routing table calls with one positional identifier."""
    return MemberSpec(
        api=api,
        name=name,
        protocol=protocol.__name__,
        params=(ParamSpec("identifier", inspect.Parameter.POSITIONAL_ONLY, str),),
        returns=Any,  # the routing table awaits it and ignores what it returns: any annotation will do
        is_async=True,
        streaming=False,
        private=True,
        implied=True,
    )


def _is_upload(annotation: Any) -> bool:
    """An upload parameter (FastAPI ``UploadFile``)."""
    return any(getattr(arg, "__name__", "") == "UploadFile"
               for arg in (annotation, *typing.get_args(annotation)))


# The names the API packages give a parameter that carries the whole request (``run_shield(request)``,
# ``openai_create_vector_store(params)``).
_REQUEST_PARAMS = ("request", "params")


def _takes_request(member: MemberSpec) -> bool:
    """``member`` already takes a request model: a model parameter named as requests are, or its only
    parameter (the resource a routing table hands over, ``register_shield(shield)``). A model beside
    flat parameters is one of them: llama-stack-api 0.4's ``run_eval(benchmark_id, benchmark_config:
    BenchmarkConfig)``, whose request (0.5's ``RunEvalRequest``) is both."""
    models = [p for p in member.params if p.annotation in member.request_models]
    return any(p.name in _REQUEST_PARAMS for p in models) or (bool(models) and len(member.params) == 1)


def flat_request_call(member: MemberSpec, defaults: dict[str, Any] | None = None) -> MemberSpec:
    """``member`` of a generation that declares flat parameters (llama-stack 0.2:
    ``openai_retrieve_file(file_id)``), with a request model made from them.

    The suites speak in request models (``kit.ask(member, **payload)``), as every generation since
    llama-stack-api 0.4 declares; here the model is this generation's parameters, and the call passes
    its fields as keywords (``provider_call``: the declared parameters themselves, so the structural
    suite compares the same shape twice). An upload (0.2's ``openai_upload_file(file, purpose)``)
    stays out of the model: the suites hand it over positionally beside the request, so it must lead
    the parameters. A member that already takes a request model, takes nothing, or takes an upload
    elsewhere is unchanged. The model forbids other fields: a payload naming a field this generation
    does not declare (0.2 uploads have no ``expires_after``) asks what it cannot be asked here.
    ``defaults``: what the server's router gives a parameter the protocol requires, when a client
    leaves it out (``surface.router_defaults``).
    """
    if _takes_request(member) or not member.params:
        return member
    uploads = [i for i, p in enumerate(member.params) if _is_upload(p.annotation)]
    if uploads != list(range(len(uploads))):  # an upload after another parameter: no positional hand-over
        return member
    carried = list(member.params[len(uploads):])
    if any(p.kind not in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
           for p in member.params):
        return member
    from pydantic import ConfigDict, create_model

    routed = defaults or {}
    fields = {p.name: (p.annotation, p.default if p.has_default else routed.get(p.name, ...)) for p in carried}
    try:
        model = create_model(f"{member.protocol}_{member.name}_arguments",
                             __config__=ConfigDict(arbitrary_types_allowed=True, extra="forbid"),
                             **fields)  # type: ignore[call-overload]
    except Exception:  # a parameter type pydantic cannot hold: the member keeps its flat shape
        return member
    return dataclasses.replace(member, request_models=(model,), provider_call=member.params, flat=True)


def undeclared_fields(member: MemberSpec, payload: dict[str, Any]) -> list[str]:
    """Fields of ``payload`` a flat generation's member does not declare (0.2's upload has no
    ``expires_after``): what the suites ask of the newest contract that this generation cannot be asked."""
    model = member.request_model
    if not member.flat or model is None:
        return []
    return [name for name in payload if name not in model.model_fields]  # type: ignore[attr-defined]


def positional_call(member: MemberSpec, erratum: str) -> MemberSpec:
    """``member`` (a private ``register_*`` of one parameter) as a server calls it: the resource passed
    positionally, whatever the provider names the parameter (llama-stack 0.2's ``register_dataset(dataset_def)``
    beside the protocol's ``register_dataset(dataset)``)."""
    if len(member.params) != 1:
        return member
    param = dataclasses.replace(member.params[0], kind=inspect.Parameter.POSITIONAL_ONLY)
    return dataclasses.replace(member, provider_call=(param,), erratum=erratum)


def exploded_request_call(member: MemberSpec, erratum: str) -> MemberSpec:
    """``member`` as a router calls it with its request model's fields as keywords.

    ``iterrows(request: IterRowsRequest)`` becomes ``iterrows(*, dataset_id, start_index,
    limit)``: the router passes every field, so none needs a default on the provider.
    """
    models = [p.annotation for p in member.params if p.annotation in member.request_models]
    if len(member.params) != 1 or len(models) != 1:
        return member  # the erratum names a member whose shape changed: leave it as declared
    fields = models[0].model_fields
    call = tuple(
        ParamSpec(name=name, kind=inspect.Parameter.KEYWORD_ONLY, annotation=info.annotation)
        for name, info in fields.items()
    )
    return dataclasses.replace(member, provider_call=call, erratum=erratum)
