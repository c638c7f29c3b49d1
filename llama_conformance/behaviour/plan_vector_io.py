"""Behavioural checks of the vector_io API: stable ids, levels, references (registered on import)."""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, register

MUST, SHOULD = Level.MUST, Level.SHOULD
API = "vector_io"

CHECKS: tuple[CheckDef, ...] = (
    CheckDef("vector_io.store.create", MUST,
             "Create returns a valid store with the name and metadata sent and no files", API, None,
             reference="VectorIO.openai_create_vector_store; POST /v1/vector_stores; VectorStoreObject"),
    CheckDef("vector_io.store.retrieve", MUST, "Retrieve returns the created store (id, name, created_at)", API,
             None, reference="VectorIO.openai_retrieve_vector_store; GET /v1/vector_stores/{vector_store_id}; "
                             "VectorStoreObject"),
    CheckDef("vector_io.store.list", MUST,
             "List includes every created store; limit/after pages yield each once; first_id/last_id agree", API,
             None, reference="VectorIO.openai_list_vector_stores; GET /v1/vector_stores; VectorStoreListResponse"),
    CheckDef("vector_io.store.update", MUST, "Update sets name and metadata, and retrieve shows them", API, None,
             reference="VectorIO.openai_update_vector_store; POST /v1/vector_stores/{vector_store_id}; "
                       "OpenAIUpdateVectorStoreRequest"),
    CheckDef("vector_io.store.delete", MUST,
             "Delete answers deleted=true; the store is then not found and not listed", API, None,
             reference="VectorIO.openai_delete_vector_store; DELETE /v1/vector_stores/{vector_store_id}; "
                       "VectorStoreDeleteResponse"),
    CheckDef("vector_io.chunks.query", MUST,
             "Inserted chunks are found: a query equal to a chunk's text returns it first, with one score per "
             "chunk, ranked high to low, at most max_chunks", API, None,
             reference="VectorIO.insert_chunks, VectorIO.query_chunks; POST /v1/vector-io/insert, "
                       "POST /v1/vector-io/query; QueryChunksResponse"),
    CheckDef("vector_io.search", MUST,
             "Search returns the store's own content ranked high to low, scores numbers, at most "
             "max_num_results", API, None,
             reference="VectorIO.openai_search_vector_store; POST /v1/vector_stores/{vector_store_id}/search; "
                       "VectorStoreSearchResponsePage"),
    CheckDef("vector_io.search.scores-finite", SHOULD,
             "Scores are finite: JSON has no Infinity, so an infinite score cannot reach a client", API, None,
             reference="VectorStoreSearchResponse.score, QueryChunksResponse.scores (float, serialized as JSON)"),
    CheckDef("vector_io.isolation", MUST,
             "Two stores never see each other's chunks or files (query, search, file listing)", API, None,
             reference="VectorIO.query_chunks, VectorIO.openai_search_vector_store: results of vector_store_id"),
    CheckDef("vector_io.isolation.backend", MUST,
             "A provider lists and finds only its own stores, even when another instance shares its storage "
             "backend under another namespace", API, None,
             reference="VectorIO.openai_list_vector_stores, VectorIO.openai_retrieve_vector_store; "
                       "KVStoreReference.namespace / SqlStoreReference.table_name of the provider config"),
    CheckDef("vector_io.files.attach", MUST,
             "An attached file reaches a terminal status (completed with its text searchable, or failed with "
             "last_error); list / retrieve / contents / update / delete of the store's files agree", API, None,
             reference="VectorIO.openai_attach_file_to_vector_store and the /v1/vector_stores/{id}/files "
                       "routes; VectorStoreFileObject, VectorStoreFileStatus"),
    CheckDef("vector_io.files.batch", MUST,
             "A file batch reaches a terminal status, its file_counts add up and list its files; a terminal "
             "batch never changes status, and cancelling it is refused with a 4xx or leaves it terminal", API,
             None, reference="VectorIO.openai_create_vector_store_file_batch, "
                             "openai_retrieve_vector_store_file_batch, openai_cancel_vector_store_file_batch; "
                             "/v1/vector_stores/{id}/file_batches; VectorStoreFileBatchObject"),
    CheckDef("vector_io.not-found", MUST,
             "Unknown store, file and batch ids raise a not-found (4xx) error", API, None,
             reference="VectorStoreNotFoundError; every /v1/vector_stores/{vector_store_id} route"),
    CheckDef("vector_io.stateful", MUST,
             "Any sequence of store, chunk and file operations matches a model of what exists", API, None,
             reference="VectorIO (all members); /v1/vector_stores routes"),
)

register(*CHECKS)
