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
        self._inference = inference
        self._api = contract.package.module
        self._models = contract.package.submodule("models")

    async def _listed(self) -> list[Any]:
        return list(await self._inference.list_models() or [])

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
        raise ValueError(f"Model {request.model_id!r} not found")


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
        routed["models"] = ModelsOfProvider(routed["inference"], contract)
    for api, impl in routed.items():
        module = importlib.import_module(f"{package.module.__name__}.{api}.fastapi_routes")
        app.include_router(module.create_router(impl))
    return app
