"""An object with a protocol's members whose calls are HTTP requests to a deployment.

The behavioural suites call ``put.impl.<member>(request)``; with ``RemoteImpl`` as the impl
they exercise a server instead, unchanged. A member without a route in this package
(``register_model``, store slots) does not exist here (``AttributeError``), so the suites
skip what HTTP cannot reach; ``inference.list_models`` is served by the Models API's
``GET /v1/models``, which is how a client learns what a deployment serves.

``wired_member(name)`` is the kit's way in: the same call, answering a ``WireAnswer`` (the value,
the JSON it was parsed from and the call's HTTP findings, ``transport.wire``), and raising a
``WireFailure`` that carries the findings. ``impl.<member>`` answers the value alone, for code that
only needs it (a dependency's call, a clean-up): its HTTP findings are nobody's.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from llama_conformance.checks import Finding
from llama_conformance.contract import Contract, MemberSpec, RouteSpec
from llama_conformance.contract.disk_cache import cached_json
from llama_conformance.transport.client import TargetClient
from llama_conformance.transport.decode import Bounds, decode_value, is_stream, raise_for_answer, stream_answer
from llama_conformance.transport.encode import HttpCall, encode_call
from llama_conformance.transport.limits import shown_request
from llama_conformance.transport.sdk_judge import SdkJudge, judge_for
from llama_conformance.transport.wire import WireAnswer


def package_error_model(contract: Contract, api: str | None = None) -> Any:
    """The error body the package declares for ``api``, if it declares one.

    Most APIs answer errors as ``OpenAIErrorResponse`` (``common.errors``). An API whose routers
    speak another vendor's protocol declares its own error body in its models module, and its
    routers write that one: ogx-api 1.5's messages (``AnthropicErrorResponse``) and interactions
    (``GoogleErrorResponse``).
    """
    if api is not None:
        try:
            models = contract.package.submodule(f"{api}.models")
        except ImportError:
            models = None
        own = [value for name, value in vars(models).items() if name.endswith("ErrorResponse")
               and isinstance(value, type) and value.__module__ == models.__name__] if models else []
        if len(own) == 1:
            return own[0]
    try:
        return getattr(contract.package.submodule("common.errors"), "OpenAIErrorResponse", None)
    except ImportError:
        return None


class RemoteImpl:
    """``impl.<member>(...)`` -> the member's route on the target, answer decoded."""

    def __init__(self, api: str, contract: Contract, client: TargetClient) -> None:
        self._api = api
        self._contract = contract
        self._routes = contract.routes()
        self._client = client

    # Built when the first member is looked up, not with the stand-in: a run that only fuzzes (``-m fuzz``)
    # or only reads the document calls no member but the model listing (``_prepare_judges``), and the SDK
    # judge alone imports ogx-client (seconds).
    # Never inside the call: the gate's deadline runs there, and seconds of the kit's own imports on a
    # loaded machine would be the provider's call.no-hang (``wired_member`` builds them first).
    @functools.cached_property
    def _members(self) -> dict[str, MemberSpec]:
        return {m.name: m for m in self._contract.surface(self._api).members}

    @functools.cached_property
    def _error_model(self) -> Any:
        return package_error_model(self._contract, self._api)

    @functools.cached_property
    def _sdk(self) -> SdkJudge | None:
        return judge_for(self._contract.package.module_name)  # None: no SDK judges (not applicable)

    def _lists_models(self, name: str) -> bool:
        """``inference.list_models``: the server answers it from the Models API (``GET /v1/models``)."""
        return name == "list_models" and self._api == "inference"

    def route_of(self, name: str) -> RouteSpec | None:
        if self._lists_models(name):
            return self._routes.route("models", "openai_list_models")
        return self._routes.route(self._api, name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        wired = self.wired_member(name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return (await wired(*args, **kwargs)).value

        call.__name__ = name
        return call

    def wired_member(self, name: str) -> Any:
        """``name``'s call answering a ``WireAnswer`` (see the module docstring); AttributeError without a route."""
        route = self.route_of(name)
        if route is None or name.startswith("_"):
            raise AttributeError(f"{self._api}.{name} has no HTTP route in {self._contract.package}")
        if self._lists_models(name):
            self._prepare_judges(sdk=False)
            kinds = model_kinds(self._contract)

            async def listing() -> WireAnswer:
                return WireAnswer(value=await self._list_models(route, kinds))

            return listing
        self._prepare_judges()
        member = self._members[name]

        async def call(*args: Any, **kwargs: Any) -> WireAnswer:
            return await self._call(member, route, args, kwargs)

        call.__name__ = name
        return call

    def _prepare_judges(self, *, sdk: bool = True) -> None:
        """Build what judges an answer (the error model, the SDK judge) before the gated call begins.

        The model listing (``sdk=False``) is the kit's own lookup of what to test, made by a fuzz-only run too
        (the served model a drawn request names): only its errors are judged, so it does not build the SDK
        judge, whose import of ogx-client alone is 1.5 s of CPU."""
        _ = self._error_model
        if sdk:
            _ = self._sdk

    def _bounds(self, http: HttpCall) -> Bounds:
        """This call's read bounds; its stream's time runs from now, before the request is sent."""
        options = self._client.options
        body, params = (http.json if http.json is not None else http.data), http.params

        def request() -> str:  # built only for an answer that is cut
            query = "&".join(f"{k}={v}" for k, v in params)
            return f"{'?' + query + ' ' if query else ''}{shown_request(body)}"

        return Bounds(limits=options.limits, stream_time_s=options.limits.stream_time_s(options.timeout_s),
                      request=request)

    async def _call(self, member: MemberSpec, route: RouteSpec, args: tuple[Any, ...],
                    kwargs: dict[str, Any]) -> WireAnswer:
        http = encode_call(route, args, kwargs)
        bounds = self._bounds(http)
        wire = WireAnswer()
        response = await self._client.send(http.method, http.path, stream=True, **http.as_kwargs())
        await raise_for_answer(response, route, self._error_model, wire, bounds)
        if is_stream(response):
            on_event = None
            if self._sdk is not None:
                sdk, chunk_type = self._sdk, member.chunk_type

                def on_event(raw: Any, index: int) -> Finding | None:  # each event, as it is read
                    return sdk.judge_event(route.method, route.path, raw, index, chunk_type)

            return stream_answer(response, route, member.chunk_type, wire, bounds, on_event=on_event)
        answer = await decode_value(response, route, member.response_type, wire, bounds)
        self._sdk_answer(answer, route, member.response_type)
        return answer

    def _sdk_answer(self, wire: WireAnswer, route: RouteSpec, package_type: Any) -> None:
        """The official SDK's verdict on a 2xx JSON answer, noted on the call (``transport.sdk_judge``)."""
        if self._sdk is not None and wire.raw is not None:
            rejected = self._sdk.judge_answer(route.method, route.path, wire.raw, package_type)
            if rejected is not None:
                wire.note(rejected)

    async def _list_models(self, route: RouteSpec, kinds: frozenset[str]) -> list[Any]:
        """The deployment's models as the package's ``Model`` objects named by the id a client sends: what
        ``list_models()`` answers a suite, judged as its member is (the error body, the answer)."""
        api = self._contract.package.module
        models = []
        for listed in await self._listing(route, self._error_model, kinds):
            try:
                models.append(api.Model(identifier=listed.identifier, provider_resource_id=listed.identifier,
                                        provider_id=listed.provider_id, model_type=api.ModelType(listed.model_type)))
            except Exception:  # an entry the package cannot describe is not a model to test
                continue
        return models

    def served_lookup(self) -> Callable[[], Awaitable[list[ListedModel]]] | None:
        """The kit's own lookup of what to test (``target.served``): a call reading the deployment's models, or
        None for a stand-in whose API lists none (only inference's answers from the Models API).

        It reads them without the API package's ``Model`` and with no error body judged (a failed listing is the
        model checks' finding, made when they call ``list_models``), so a fuzz-only run, whose drawn requests
        name a served model, never imports the package: about a second of CPU, a fifth of a fast fuzz run's.
        The kinds the package accepts are read here, before the gated call begins: from the kit's cache, or on a
        miss from the package, whose import must not count against the deployment's deadline."""
        route = self.route_of("list_models")
        if route is None:
            return None
        kinds = model_kinds(self._contract)

        async def lookup() -> list[ListedModel]:
            return await self._listing(route, None, kinds)

        return lookup

    async def _listing(self, route: RouteSpec, error_model: Any, kinds: frozenset[str]) -> list[ListedModel]:
        bounds = self._bounds(HttpCall(method=route.method, path=route.path))
        response = await self._client.send(route.method, route.path, stream=True)
        wire = WireAnswer()
        await raise_for_answer(response, route, error_model, wire, bounds)
        listing = (await decode_value(response, route, None, wire, bounds)).value
        return listed_models(listing, kinds)


@dataclass(frozen=True)
class ListedModel:
    """One model a deployment lists, as a client names it."""

    identifier: str
    provider_id: str
    model_type: str  # one of the package's ``ModelType`` values

    @property
    def provider_resource_id(self) -> str:  # what the served-model table files it under (``ServedModels.add``)
        return self.identifier


def listed_models(listing: Any, kinds: frozenset[str]) -> list[ListedModel]:
    """The entries of a ``GET /v1/models`` answer (OpenAI's ``{"data": [...]}`` or a bare list) that name a
    model of a kind the package knows; an entry it could not describe is not a model to test."""
    entries = listing.get("data", []) if isinstance(listing, dict) else listing
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        meta = entry.get("custom_metadata") or entry.get("metadata") or {}
        meta = meta if isinstance(meta, dict) else {}
        model_id = entry.get("id") or entry.get("identifier")
        kind = meta.get("model_type") or entry.get("model_type") or "llm"
        provider = meta.get("provider_id") or "remote"
        if isinstance(model_id, str) and isinstance(provider, str) and isinstance(kind, str) and kind in kinds:
            found.append(ListedModel(identifier=model_id, provider_id=provider, model_type=kind))
    return found


def model_kinds(contract: Contract) -> frozenset[str]:
    """The values of the package's ``ModelType``, from the kit's cache (reading them imports the package)."""
    return frozenset(cached_json(contract.package, "model-types", None,
                                 lambda: sorted(kind.value for kind in contract.package.module.ModelType)))
