"""The in-process fast path: a provider behind the package's own routers, no server process.

``app_for`` mounts ``<pkg>.<api>.fastapi_routes.create_router(impl)`` for each impl, with
the server's exception translation (``contract.errors.error_answer``) and its error body
(``{"error": {"message": ...}}``), so an HTTP-mode run against it sees what it would see
against ``ogx run`` serving the same provider, minus process start-up. The kit's own tests
use it to prove that a broken provider served over HTTP fails the same check as in-process.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from llama_conformance.contract import Contract
from llama_conformance.contract.errors import error_answer

INTERNAL = "Internal server error: An unexpected error occurred."


def _error_body(message: str) -> dict[str, Any]:
    return {"error": {"message": message}}


class ModelsOfProvider:
    """The Models API a server's routing table would serve for one inference provider.

    Clients (and the kit over HTTP) learn the served models from ``GET /v1/models``; a
    server answers it from its registry, filled by the provider's ``list_models()``.
    """

    def __init__(self, inference: Any, contract: Contract) -> None:
        self.package = contract.package
        self._inference = inference
        self._api = contract.package.module
        self._models = contract.package.submodule("models")

    async def _listed(self) -> list[Any]:
        return list(await self._inference.list_models() or [])

    async def anthropic_list_models(self, *, before_id: str | None = None, after_id: str | None = None,
                                    limit: int | None = None) -> Any:
        infos = [self._models.AnthropicModelInfo(id=m.identifier, display_name=m.identifier,
                                                 created_at="1970-01-01T00:00:00Z") for m in await self._listed()]
        return self._models.AnthropicListModelsResponse(
            data=infos, first_id=infos[0].id if infos else None, last_id=infos[-1].id if infos else None)

    async def google_list_models(self) -> Any:
        return self._models.GoogleListModelsResponse(models=[
            self._models.GoogleModelInfo(name=f"models/{m.identifier}", display_name=m.identifier)
            for m in await self._listed()])

    async def openai_list_models(self) -> Any:
        data = []
        for model in await self._listed():
            kind = getattr(model.model_type, "value", model.model_type)
            data.append(self._models.OpenAIModel(
                id=model.identifier, created=0, owned_by="llama-conformance",
                custom_metadata={"model_type": kind, "provider_id": model.provider_id,
                                 "provider_resource_id": model.provider_resource_id}))
        return self._models.OpenAIListModelsResponse(data=data)

    async def get_model(self, request: Any) -> Any:
        for model in await self._listed():
            if model.identifier == request.model_id:
                return model
        raise self._not_found(request.model_id)

    def _not_found(self, model_id: str) -> Exception:
        errors = self._api_errors()
        cls = getattr(errors, "ModelNotFoundError", None)
        return cls(model_id) if cls is not None else ValueError(f"Model {model_id!r} not found")

    def _api_errors(self) -> Any:
        import importlib

        return importlib.import_module(f"{self._api.__name__}.common.errors")

    async def check_model(self, model_id: Any) -> None:
        """The routing table's lookup before a request reaches the provider: unknown -> 404."""
        if isinstance(model_id, str) and model_id not in {m.identifier for m in await self._listed()}:
            raise self._not_found(model_id)


def app_for(impls: Mapping[str, Any], contract: Contract) -> Any:
    """A FastAPI app serving each ``api -> impl`` through the package's routers."""
    from fastapi import FastAPI, HTTPException, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    app = FastAPI(title="llama-conformance in-process deployment")
    package = contract.package

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=400, content=_error_body(str(exc.errors())))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content=_error_body(str(exc.detail)))

    @app.exception_handler(Exception)
    async def provider_error(request: Request, exc: Exception) -> JSONResponse:
        answer = error_answer(exc, package)
        message = INTERNAL if answer.server_error else str(exc)
        return JSONResponse(status_code=answer.status, content=_error_body(message))

    routed = dict(impls)
    if "inference" in routed and "models" not in routed:
        models = ModelsOfProvider(routed["inference"], contract)
        routed["models"] = models
        app.middleware("http")(_model_lookup(models))
    for api, impl in routed.items():
        module = importlib.import_module(f"{package.module.__name__}.{api}.fastapi_routes")
        router = _served_routes(module.create_router(impl), impl, api, contract)
        if isinstance(impl, ModelsOfProvider):
            # Plumbing, not the provider's surface: clients can list models, the published
            # document (and so the fuzzer) covers only the APIs of the providers served.
            for route in router.routes:
                route.include_in_schema = False
        app.include_router(router)
    return app


def _served_routes(router: Any, impl: Any, api: str, contract: Contract) -> Any:
    """The router without routes whose member the impl does not have.

    A server mounts these routes over its routing layer (stored chat completions are served
    by the inference router's store, not by a provider); over a bare provider they could only
    answer 500, which would blame the provider for a server's feature.
    """
    from fastapi.routing import APIRoute

    from llama_conformance.contract.routes import _names_touched

    members = {m.name for m in contract.surface(api).members} if api in contract.surfaces else set()
    kept = []
    for route in router.routes:
        if isinstance(route, APIRoute) and impl is not None:
            called = _names_touched(route.endpoint.__code__) & (members | {
                "openai_list_models", "anthropic_list_models", "google_list_models", "get_model"})
            if not called or not all(hasattr(impl, name) for name in called):
                continue
        kept.append(route)
    router.routes[:] = kept
    return router


def _model_lookup(models: ModelsOfProvider) -> Any:
    """Middleware: a JSON body naming an unknown ``model`` is answered 404, as the routing table does."""
    import json

    from fastapi import Request
    from fastapi.responses import JSONResponse

    async def lookup(request: Request, call_next: Any) -> Any:
        if request.method == "POST" and request.headers.get("content-type", "").startswith("application/json"):
            body = await request.body()
            try:
                model = json.loads(body).get("model") if body else None
            except (ValueError, AttributeError):
                model = None
            try:
                await models.check_model(model)
            except Exception as exc:
                answer = error_answer(exc, models.package)
                return JSONResponse(status_code=answer.status, content=_error_body(str(exc)))
        return await call_next(request)

    return lookup

