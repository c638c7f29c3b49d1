"""Which models the provider serves, so drawn requests name a model it can answer.

The server's routing table registers models with the provider at start-up and rewrites a
request's ``model`` to the model's ``provider_resource_id`` before calling the provider.
The kit does the same: it registers the manifest's models through ``register_model`` (and
then tests only those), else takes what ``list_models()`` names; it adds every model to the
injected model store and fills requests with provider resource ids. Problems are kept (not
raised) so the model checks can report them as findings while the other checks still run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llama_conformance.capabilities import Manifest, ModelDecl
from llama_conformance.errors import GateTimeout, describe_exception
from llama_conformance.evidence import environment_cause
from llama_conformance.harness.build import ProviderUnderTest, provider_id

MODEL_KINDS = ("llm", "embedding", "rerank")


@dataclass
class ServedModels:
    by_kind: dict[str, list[str]] = field(default_factory=lambda: {kind: [] for kind in MODEL_KINDS})
    models: list[Any] = field(default_factory=list)
    listed: Any = None
    problems: dict[str, str] = field(default_factory=dict)  # member (list_models, register_model) -> what it raised
    # Why listing or registering failed, when the cause was the provider's unreachable backend:
    # every check that needs a served model is then inconclusive, not failed or skipped.
    unreachable: str | None = None

    def of(self, kind: str) -> list[str]:
        return self.by_kind.get(kind, [])

    def add(self, model: Any) -> None:
        kind = getattr(getattr(model, "model_type", None), "value", None) or str(getattr(model, "model_type", "llm"))
        resource = getattr(model, "provider_resource_id", None) or getattr(model, "identifier", None)
        if resource and resource not in self.by_kind.setdefault(kind, []):
            self.by_kind[kind].append(resource)
            self.models.append(model)


def _model_object(put: ProviderUnderTest, decl: ModelDecl) -> Any:
    api = put.contract.package.module
    return api.Model(
        identifier=decl.model_id,
        provider_resource_id=decl.provider_resource_id or decl.model_id,
        provider_id=provider_id(put.entry),
        model_type=api.ModelType(decl.model_type),
        metadata=decl.metadata,
    )


def _store_add(put: ProviderUnderTest, model: Any) -> None:
    store = getattr(put.impl, "model_store", None)
    add = getattr(store, "add", None)
    if callable(add):
        add(model)


def _register_manifest_models(put: ProviderUnderTest, manifest: Manifest, served: ServedModels) -> None:
    for decl in manifest.models:
        model = _model_object(put, decl)
        try:
            returned = put.gate.call("inference.register_model", put.impl.register_model, model)
        except (Exception, GateTimeout) as exc:
            served.problems["register_model"] = put.redactor(
                f"register_model({decl.model_id!r}) from the manifest raised {describe_exception(exc)}")
            _note_unreachable(put, served, "inference.register_model", exc)
            continue
        registered = returned if returned is not None and hasattr(returned, "identifier") else model
        _store_add(put, registered)
        served.add(registered)


def _note_unreachable(put: ProviderUnderTest, served: ServedModels, member: str, exc: BaseException) -> None:
    cause = environment_cause(exc)
    if cause is not None and served.unreachable is None:
        served.unreachable = put.redactor(f"{member}: {cause}")


def _lookup(impl: Any) -> Any:
    """``list_models`` of the provider; of a deployment's stand-in, its package-free reading of the listing
    (``RemoteImpl.served_lookup``: a fuzz-only run does not import the API package for it)."""
    from llama_conformance.transport.remote_impl import RemoteImpl

    if isinstance(impl, RemoteImpl):
        return impl.served_lookup()
    return getattr(impl, "list_models", None)


def discover_served_models(put: ProviderUnderTest, manifest: Manifest) -> ServedModels:
    """Register the manifest's models (in-process) and list what is served.

    Over HTTP there is no ``register_model`` route: a deployment serves what its run config
    registered, and a manifest's models select which of the listed ones to test.
    """
    served = ServedModels()
    if put.impl is None:
        return served
    registers = hasattr(put.impl, "register_model")
    if registers:
        _register_manifest_models(put, manifest, served)
    list_models = _lookup(put.impl)
    if not callable(list_models):
        return served
    try:
        served.listed = put.gate.call("inference.list_models", list_models)
    except (Exception, GateTimeout) as exc:
        served.problems["list_models"] = put.redactor(f"list_models() raised {describe_exception(exc)}")
        _note_unreachable(put, served, "inference.list_models", exc)
    # A manifest that names models names the ones to test: listed models may need
    # downloads or hardware this run lacks. Without one, the listed models are it.
    wanted = {decl.model_id for decl in manifest.models}
    for model in served.listed or []:
        if not hasattr(model, "identifier"):
            continue
        if not wanted or (not registers and model.identifier in wanted):
            _store_add(put, model)
            served.add(model)
    return served
