"""VectorIO helpers for the suites: stores made the way the server makes them, chunks, files.

The server's router registers a store with the provider (``register_vector_store``, the
routing table's private call) before it asks the provider to create it, and passes the
registered id and embedding model in the request's extra body. In-process (and over the
kit's own HTTP mount) the kit plays that router; against a deployment (``--llama-stack-url``)
the deployment's router does it, so the kit only names the embedding model. On llama-stack 0.2 the
kit plays that generation's router and ``vector_dbs`` routing table instead (``register_vector_db``,
a store's id its name: ``_create_through_vector_dbs``).

Every call passes its arguments by keyword: the HTTP stand-in maps keywords onto the route.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome, call_member
from llama_conformance.behaviour.steps import store_in_files
from llama_conformance.checks import CheckDef
from llama_conformance.harness.build import provider_id
from llama_conformance.target.served import MODEL_KINDS
from llama_conformance_suites.vector_io.checks import STORE_CREATE

# The kit's reference inference serves this embedding model (its dependency for vector_io).
EMBEDDING_MODEL = "kit-embed"
EMBEDDING_DIMENSION = 32


@dataclass
class Store:
    """A store the suite created: its id and the embedding model its chunks must use."""

    id: str
    created: Any
    embedding_model: str = EMBEDDING_MODEL
    dimension: int = EMBEDDING_DIMENSION


def embedding_model(kit: Kit) -> str:
    """The embedding model stores are created with: one the target serves, never a guess.

    In-process it is the reference inference's ``kit-embed`` (the harness builds it as the
    provider's inference dependency). A deployment names its models itself
    (``<provider_id>/kit-embed``) in ``/v1/models``, whichever APIs ``--llama-api`` selects;
    the suite takes the listed model backed by the kit's reference (its vectors are what the
    ranking checks expect), else a listed model the manifest declares ``model_type:
    embedding``, else the first listed embedding model. A manifest that names only other
    models does not hide the deployment's embedding models from this suite. None listed:
    the test is skipped with that reason, since every store needs one.
    """
    if not kit.session.options.stack_url:
        return EMBEDDING_MODEL
    served = kit.session.served_models("inference")
    listed = [m for m in served.listed or [] if getattr(m, "identifier", None)]
    # Any kind: llama-stack 0.7's openai adapter lists every model as an llm, kit-embed included.
    names = [name for kind in MODEL_KINDS for name in served.of(kind)] + [m.identifier for m in listed]
    ours = [name for name in names if name.rsplit("/", 1)[-1] == EMBEDDING_MODEL]
    declared = [d.model_id for d in kit.session.manifest.models if d.model_type == "embedding" and d.model_id in names]
    embedding = served.of("embedding") + [m.identifier for m in listed
                                          if str(getattr(m.model_type, "value", m.model_type)) == "embedding"]
    found = ours or declared or embedding
    if found:
        return found[0]
    listing = served.problems.get("list_models")
    why = f" (listing it failed: {listing})" if listing is not None else ""
    pytest.skip(f"the deployment serves no embedding model: its /v1/models lists none{why}, and every vector store "
                "needs one (an embedding model of its inference API is a required dependency of vector_io), so "
                "this is not checked. Whoever runs the kit: register an embedding model in the deployment's run "
                "config, or name a served one in a --llama-manifest with `model_type: embedding`.")


def call(kit: Kit, name: str, **kwargs: Any) -> Outcome:
    """Call member ``name`` with keyword arguments (most vector_io members take their ids, and
    often their parameters, as keywords rather than one request model: ``kit.ask`` does not fit)."""
    return kit.call(kit.member(name), **kwargs)


def call_with(kit: Kit, name: str, payload: dict[str, Any] | None, **ids: Any) -> Outcome:
    """Member ``name`` with its ids and, when ``payload`` is given, its request built from it as this
    generation declares the member (``kit.ask_with``: 0.5's flat parameters or 0.6's request model)."""
    return call(kit, name, **ids) if payload is None else kit.ask_with(name, payload, **ids)


def _routing_table_registers(kit: Kit) -> bool:
    return not kit.session.options.stack_url and hasattr(kit.session.put.impl, "register_vector_store")


def _register(kit: Kit, store_id: str, name: str | None, check: CheckDef) -> None:
    """What the routing table does before create: register the store with the provider."""
    put = kit.session.put  # the built provider, also when the suite reaches it over HTTP
    api = put.contract.package.module
    vector_store = api.VectorStore(
        identifier=store_id, provider_resource_id=store_id, provider_id=provider_id(put.entry),
        embedding_model=EMBEDDING_MODEL, embedding_dimension=EMBEDDING_DIMENSION, vector_store_name=name)
    member = next(m for m in put.surface.members if m.name == "register_vector_store")
    outcome = call_member(put, member, vector_store=vector_store)
    kit.judge.no_hang(outcome)
    if outcome.error is not None:
        kit.judge.fail(check, f"register_vector_store({store_id!r}), the routing table's call before "
                                 f"create, raised {outcome.describe_error()}.")
    # The routing table keeps what it registered (the kit's ``vector_store_store``, as both servers assign it).
    register = getattr(getattr(put.impl, "vector_store_store", None), "register_vector_store", None)
    if "vector_store_store" in put.injected and callable(register):
        put.gate.run("vector_stores routing table: register_vector_store",
                     lambda: register(store_id, EMBEDDING_MODEL, EMBEDDING_DIMENSION, provider_id(put.entry),
                                      store_id, name))


def create_request(kit: Kit, *, name: str | None = None, metadata: dict[str, Any] | None = None,
                   store_id: str | None = None) -> Any:
    member = kit.member("openai_create_vector_store")
    payload: dict[str, Any] = {"embedding_model": embedding_model(kit), "embedding_dimension": EMBEDDING_DIMENSION}
    if name is not None:
        payload["name"] = name
    if metadata is not None:
        payload["metadata"] = metadata
    if store_id is not None:
        payload["provider_vector_store_id"] = store_id
        payload["provider_id"] = provider_id(kit.session.put.entry)
    return kit.request(member, payload)


def create_store(kit: Kit, check: CheckDef, *, name: str | None = None,
                 metadata: dict[str, Any] | None = None) -> tuple[Outcome, Store | None]:
    """Create a store as the router would; the outcome, and the store when it was created."""
    if _routes_vector_dbs(kit):
        return _create_through_vector_dbs(kit, check, name=name, metadata=metadata)
    store_id = None
    if _routing_table_registers(kit):
        store_id = f"vs_kit_{uuid.uuid4().hex}"
        _register(kit, store_id, name, check)
    member = kit.member("openai_create_vector_store")
    outcome = kit.call_request(member, create_request(kit, name=name, metadata=metadata, store_id=store_id))
    if outcome.error is not None or outcome.timed_out:
        return outcome, None
    return outcome, Store(id=outcome.value.id, created=outcome.value, embedding_model=embedding_model(kit))


def _routes_vector_dbs(kit: Kit) -> bool:
    """In-process on llama-stack 0.2 (``llama_stack.apis``) the kit plays its ``VectorIORouter`` and
    ``VectorDBsRoutingTable``, which speak ``register_vector_db`` (a deployment's own router does that)."""
    from llama_conformance.harness.dependencies import PRESPLIT, generation

    return not kit.session.options.stack_url and generation(kit.session.put.contract) == PRESPLIT


def _create_through_vector_dbs(kit: Kit, check: CheckDef, *, name: str | None,
                               metadata: dict[str, Any] | None) -> tuple[Outcome, Store | None]:
    """llama-stack 0.2.14's ``VectorIORouter.openai_create_vector_store`` (distribution/routers/vector_io.py:116-157).

    The store's id is its name (:138; 0.2's API requires one, apis/vector_io/vector_io.py:341, so the kit sends
    a fresh one where a test names none). The ``VectorDBsRoutingTable`` builds a ``VectorDB`` with the one
    provider's id and the id as ``provider_resource_id`` (routing_tables/vector_dbs.py:40-66), hands it to the
    provider's ``register_vector_db`` positionally (routing_tables/common.py:40-41, 202) and keeps it (the
    kit's ``vector_db_store``); then the provider creates the store with that ``provider_id`` and
    ``provider_vector_db_id`` (vector_io.py:147-157).
    """
    put = kit.session.put
    store_id = name if name is not None else f"kit-store-{uuid.uuid4().hex}"
    vector_db = kit.api.VectorDB(identifier=store_id, provider_id=provider_id(put.entry),
                                 provider_resource_id=store_id, embedding_model=EMBEDDING_MODEL,
                                 embedding_dimension=EMBEDDING_DIMENSION)
    registered = call_member(put, kit.member("register_vector_db"), vector_db)
    kit.judge.no_hang(registered)
    if registered.error is not None:
        kit.judge.fail(check, f"register_vector_db({store_id!r}), which llama-stack 0.2's routing table calls "
                              f"before create (routing_tables/common.py:40-41), raised {registered.describe_error()}.")
    table = getattr(put.impl, "vector_db_store", None)
    if "vector_db_store" in put.injected and callable(getattr(table, "keep", None)):
        table.keep(vector_db)
    member = kit.member("openai_create_vector_store")
    payload: dict[str, Any] = {"name": store_id, "embedding_model": EMBEDDING_MODEL,
                               "embedding_dimension": EMBEDDING_DIMENSION, "provider_id": provider_id(put.entry),
                               "provider_vector_db_id": store_id}
    if metadata is not None:
        payload["metadata"] = metadata
    outcome = kit.call_request(member, kit.request(member, payload))
    if outcome.error is not None or outcome.timed_out:
        return outcome, None
    return outcome, Store(id=outcome.value.id, created=outcome.value)


def _delete_through_vector_dbs(kit: Kit, store_id: str) -> Outcome:
    """llama-stack 0.2.14's ``VectorIORouter.openai_delete_vector_store`` (routers/vector_io.py:236-246): the
    provider deletes the store, then the routing table forgets it and calls the provider's
    ``unregister_vector_db(id)`` (routing_tables/common.py:177-182, 54-57). Whichever call fails fails the
    client's delete; a store the routing table never registered is its ``ValueError`` (vector_dbs.py:70-73)."""
    put = kit.session.put
    deleted = call(kit, "openai_delete_vector_store", vector_store_id=store_id)
    if deleted.error is not None or deleted.timed_out:
        return deleted
    table = getattr(put.impl, "vector_db_store", None)
    if "vector_db_store" in put.injected and callable(getattr(table, "keep", None)):
        put.gate.run("vector_dbs routing table: unregister_vector_db", lambda: table.unregister_vector_db(store_id))
    unregistered = call_member(put, kit.member("unregister_vector_db"), store_id)
    return deleted if unregistered.error is None and not unregistered.timed_out else unregistered


def require_typed_filters(kit: Kit) -> None:
    """The filter checks judge the grammar the API package declares (``ComparisonFilter`` / ``CompoundFilter``:
    eq ... nin, and, or). A generation without those types (llama-stack-api before 0.6) takes filters as a
    free-form dict: what an operator means there is not in its contract, so those checks do not apply."""
    from llama_conformance.report.applicability import NotApplicable

    if getattr(kit.api, "ComparisonFilter", None) is None or getattr(kit.api, "CompoundFilter", None) is None:
        raise NotApplicable(f"{kit.put.contract.package} declares filters as a free-form dict (no ComparisonFilter "
                            "/ CompoundFilter, which define the operators; llama-stack-api has them from 0.6)")


def created_store(kit: Kit, check: CheckDef = STORE_CREATE, **kwargs: Any) -> Store:
    """A new store, or the test fails under ``check``: ``STORE_CREATE``, the check of this step,
    whichever test needs the store. A test whose setup failed is charged with that step alone;
    its own checks (isolation, files, ...) were not judged (``report.results``). Only a state machine,
    which judges every step as one sequence, passes its own check."""
    outcome, store = create_store(kit, check, **kwargs)
    kit.accept(outcome, "openai_create_vector_store", check)
    assert store is not None
    return store


def delete_store(kit: Kit, store_id: str) -> Outcome:
    if _routes_vector_dbs(kit):
        return _delete_through_vector_dbs(kit, store_id)
    return call(kit, "openai_delete_vector_store", vector_store_id=store_id)


def embedding(text: str, dimension: int, *, exact: bool = False) -> list[float]:
    """The store model's embedding of ``text``, slightly moved unless ``exact``.

    A query for ``text`` is then nearest to this chunk by far (the reference embedding is a
    hash: other texts land anywhere), yet not at distance 0, where indexes that score by
    1/distance answer an infinite score; ``exact`` probes that case on purpose.
    """
    from llama_conformance_fixtures.reference.inference import embed_text

    vector = embed_text(text, dimension)
    if exact:
        return vector
    moved = [x + 0.05 * y for x, y in zip(vector, embed_text(f"kit-offset:{text}", dimension), strict=True)]
    norm = sum(x * x for x in moved) ** 0.5 or 1.0
    return [x / norm for x in moved]


def embedded_chunk(kit: Kit, store: Store, text: str, chunk_id: str, metadata: dict[str, Any] | None = None,
                   *, exact: bool = False, near: str | None = None) -> Any:
    """An ``EmbeddedChunk`` embedded near the way the store's model embeds ``text`` (or ``near``, when given:
    a chunk whose given embedding is not its text's).

    llama-stack 0.2 has no ``EmbeddedChunk``: its ``Chunk`` carries an optional ``embedding`` and names the
    model in its ``ChunkMetadata`` (apis/vector_io/vector_io.py:25-74)."""
    api = kit.api
    if getattr(api, "EmbeddedChunk", None) is None:
        return api.Chunk(
            content=text, chunk_id=chunk_id, metadata={"document_id": chunk_id, **(metadata or {})},
            chunk_metadata=api.ChunkMetadata(chunk_id=chunk_id, document_id=chunk_id,
                                             chunk_embedding_model=store.embedding_model,
                                             chunk_embedding_dimension=store.dimension),
            embedding=embedding(near or text, store.dimension, exact=exact))
    return api.EmbeddedChunk(
        content=text, chunk_id=chunk_id, metadata={"document_id": chunk_id, **(metadata or {})},
        chunk_metadata=api.ChunkMetadata(chunk_id=chunk_id, document_id=chunk_id),
        embedding=embedding(near or text, store.dimension, exact=exact), embedding_model=store.embedding_model,
        embedding_dimension=store.dimension)


def store_key(kit: Kit) -> str:
    """The parameter naming the store in ``insert_chunks`` / ``query_chunks``: ``vector_db_id`` on llama-stack 0.2
    (apis/vector_io/vector_io.py, where its router passes the registered id, routers/vector_io.py:95-113)."""
    return "vector_db_id" if _routes_vector_dbs(kit) else "vector_store_id"


def insert(kit: Kit, store_id: str, chunks: list[Any]) -> Outcome:
    member = kit.member("insert_chunks")
    return kit.call_request(member, kit.request(member, {store_key(kit): store_id, "chunks": chunks}))


def query(kit: Kit, store_id: str, text: str, max_chunks: int = 5) -> Outcome:
    member = kit.member("query_chunks")
    return kit.call_request(member, kit.request(member, {
        store_key(kit): store_id, "query": text, "params": {"max_chunks": max_chunks}}))


def search(kit: Kit, store_id: str, text: str, max_num_results: int = 10) -> Outcome:
    return kit.ask_with("openai_search_vector_store", {"query": text, "max_num_results": max_num_results},
                        vector_store_id=store_id)


def upload_to_files(kit: Kit, content: bytes, filename: str) -> str:
    """Upload ``content`` to the files API the provider reads from; its file id."""
    return store_in_files(kit, content, filename, "text/plain", for_api="vector_io")


def attach(kit: Kit, store_id: str, file_id: str, attributes: dict[str, Any] | None = None) -> Outcome:
    return kit.ask_with("openai_attach_file_to_vector_store", {"file_id": file_id, "attributes": attributes},
                        vector_store_id=store_id)


def list_stores(kit: Kit, **kwargs: Any) -> Outcome:
    return call(kit, "openai_list_vector_stores", **kwargs)


def wait_terminal(kit: Kit, fetch: Any, check: CheckDef, what: str, timeout_s: float = 15.0) -> Any:
    """Poll ``fetch()`` (an Outcome) until its value's status is terminal; the last value."""
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        outcome = fetch()
        kit.judge.answered(outcome, check)
        status = str(getattr(outcome.value.status, "value", outcome.value.status))
        if status != "in_progress":
            return outcome.value
        if time.monotonic() > deadline:
            kit.judge.fail(check, f"{what} is still in_progress after {timeout_s:.0f} s.")
        time.sleep(0.1)


def status_of(obj: Any) -> str:
    return str(getattr(obj.status, "value", obj.status))


# -- a second instance on the same storage backend ---------------------------------------

SIBLING_SUFFIX = "kit-sibling"


# Config keys naming a file or folder an embedded engine keeps its data in: sqlite-vec / milvus-lite ``db_path``,
# qdrant-client local mode ``path`` (a folder it locks: a second instance on the same one cannot start).
_FILE_KEYS = ("db_path", "path")


def sibling_values(config: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """``config`` with every store reference moved to its own namespace / table, and files
    of its own (``db_path``): what a second, separately configured instance would use.
    Returns the new mapping and how many store references it moved."""
    moved = 0

    def walk(obj: Any) -> Any:
        nonlocal moved
        if isinstance(obj, dict):
            out = {key: walk(value) for key, value in obj.items()}
            if isinstance(obj.get("backend"), str):
                for key, suffix in (("namespace", f"::{SIBLING_SUFFIX}"),
                                    ("table_name", f"_{SIBLING_SUFFIX.replace('-', '_')}")):
                    if isinstance(obj.get(key), str):
                        out[key] = f"{obj[key]}{suffix}"
                        moved += 1
            for key in _FILE_KEYS:
                if isinstance(obj.get(key), str) and not obj[key].startswith(":"):  # ":memory:" has no file
                    root, extension = os.path.splitext(obj[key])  # milvus-lite only opens paths ending in .db
                    out[key] = f"{root}-{SIBLING_SUFFIX}{extension}"
            return out
        if isinstance(obj, list):
            return [walk(value) for value in obj]
        return obj

    return walk(config), moved


def build_instance(put: Any, config: Any, suffix: str = "") -> Any:
    """Another instance of the provider under test, built as the harness built it: the same
    dependencies (a server shares them among its providers), the resolver's attributes and the
    routing tables' stores (``harness.build``)."""
    from llama_conformance.harness.build import assign_stores, factory_arguments, load_factory, mark_as_resolved

    factory = load_factory(put.entry)
    api_enum = put.contract.api_enum()
    deps = {api_enum(api): impl for api, impl in put.dependencies.items()}
    impl = put.gate.run(f"{put.entry.factory_name} (another instance)",
                        lambda: factory(*factory_arguments(factory, config, deps)))
    mark_as_resolved(impl, put.contract, provider_id(put.entry) + suffix, put.entry.raw_spec, config, deps)
    assign_stores(impl, put.surface, put.contract)
    return impl


async def create_in(impl: Any, api: Any, store_id: str, provider: str) -> Any:
    """Register and create ``store_id`` in ``impl`` directly (the routing table's two calls; on llama-stack 0.2
    ``register_vector_db`` and the flat create its router makes, as ``_create_through_vector_dbs``)."""
    if getattr(api, "VectorStore", None) is None:
        await impl.register_vector_db(api.VectorDB(
            identifier=store_id, provider_id=provider, provider_resource_id=store_id,
            embedding_model=EMBEDDING_MODEL, embedding_dimension=EMBEDDING_DIMENSION))
        return await impl.openai_create_vector_store(
            name=store_id, embedding_model=EMBEDDING_MODEL, embedding_dimension=EMBEDDING_DIMENSION,
            provider_id=provider, provider_vector_db_id=store_id)
    register = getattr(impl, "register_vector_store", None)
    if callable(register):
        await register(api.VectorStore(identifier=store_id, provider_resource_id=store_id, provider_id=provider,
                                       embedding_model=EMBEDDING_MODEL, embedding_dimension=EMBEDDING_DIMENSION))
    request = api.OpenAICreateVectorStoreRequestWithExtraBody.model_validate({
        "name": "kit-sibling-store", "embedding_model": EMBEDDING_MODEL, "embedding_dimension": EMBEDDING_DIMENSION,
        "provider_vector_store_id": store_id, "provider_id": provider})
    return await impl.openai_create_vector_store(request)


async def sees(impl: Any, store_id: str) -> list[str]:
    """How ``impl`` shows ``store_id``, if it does: listed, retrievable."""
    shown = []
    listing = await impl.openai_list_vector_stores(limit=100)
    if store_id in {s.id for s in listing.data}:
        shown.append("lists it")
    try:
        await impl.openai_retrieve_vector_store(store_id)
        shown.append("retrieves it")
    except Exception:
        pass
    return shown


def attached_file(kit: Kit, store: Store, text: str, filename: str, check: CheckDef,
                  attributes: dict[str, Any] | None = None) -> str:
    """Upload ``text``, attach it to ``store`` with ``attributes`` and wait until it is processed;
    its file id. A file the provider could not process (``failed``: no text extractor for it here)
    skips the test, since what it checks needs the file's text in the store; ``vector_io.files.attach``
    judges that status."""
    file_id = upload_to_files(kit, text.encode(), filename)
    kit.accept(attach(kit, store.id, file_id, attributes=attributes), "openai_attach_file_to_vector_store", check)
    final = wait_terminal(kit, lambda: call(kit, "openai_retrieve_vector_store_file", vector_store_id=store.id,
                                            file_id=file_id), check, f"file {file_id}")
    if status_of(final) != "completed":
        pytest.skip(f"the provider could not process a small text file here ({status_of(final)}: "
                    f"{getattr(final.last_error, 'message', '')}); this check needs its text in the store")
    return file_id


def search_with(kit: Kit, store_id: str, text: str, check: CheckDef, **options: Any) -> list[Any]:
    """The results of a search for ``text`` with request ``options`` (filters, ...), judged answered."""
    outcome = kit.ask_with("openai_search_vector_store", {"query": text, **options}, vector_store_id=store_id)
    kit.judge.answered(outcome, check)
    return page_results(kit, outcome.value)


def page_results(kit: Kit, page: Any) -> list[Any]:
    """The results of a search page, as models, whatever the transport could parse.

    A deployment's page the package cannot parse (an exact match scored ``inf`` arrives as
    ``null``) stays the JSON the server sent. Its scores are judged by
    ``vector_io.search.scores-finite`` alone; here a result is read for its content, file id and
    attributes, so a score that is not a number reads as 0.0 rather than stopping the test.
    """
    results = page.get("data") if isinstance(page, dict) else getattr(page, "data", None)
    parsed = []
    for result in results or []:
        if isinstance(result, dict):
            score = result.get("score")
            result = kit.api.VectorStoreSearchResponse.model_validate(
                {**result, "score": score if isinstance(score, int | float) else 0.0})
        parsed.append(result)
    return parsed


def result_texts(results: list[Any]) -> list[str]:
    return [" ".join(c.text for c in r.content) for r in results]
