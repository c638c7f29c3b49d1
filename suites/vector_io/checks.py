"""The vector_io wing's check table: what the VectorIO API promises, and the broken fixtures that prove it.

Each check is declared once, here (its id is written nowhere else: the suite and the proofs
use these names). ``WING`` is what ``llama_conformance.catalogue`` registers.

No row of the shared negative table: every vector_io member takes its ids as keywords beside
(or instead of) a request model, a call the row's form (``kit.ask`` with a request model) does
not make; ``test_vector_io.py::test_unknown_ids`` judges them.
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, Proof, Wing
from llama_conformance.engine_checks import TYPED_ERROR

MUST, SHOULD = Level.MUST, Level.SHOULD
API = "vector_io"

STORE_CREATE = CheckDef(
    "vector_io.store.create", MUST,
    "Create returns a valid store with the name and metadata sent and no files", API, None,
    reference="VectorIO.openai_create_vector_store; POST /v1/vector_stores; VectorStoreObject")
STORE_RETRIEVE = CheckDef(
    "vector_io.store.retrieve", MUST, "Retrieve returns the created store (id, name, created_at)", API,
    None, reference="VectorIO.openai_retrieve_vector_store; GET /v1/vector_stores/{vector_store_id}; "
                    "VectorStoreObject")
STORE_LIST = CheckDef(
    "vector_io.store.list", MUST,
    "List includes every created store; limit/after pages yield each once; first_id/last_id agree", API,
    None, reference="VectorIO.openai_list_vector_stores; GET /v1/vector_stores; VectorStoreListResponse")
STORE_UPDATE = CheckDef(
    "vector_io.store.update", MUST, "Update sets name and metadata, and retrieve shows them", API, None,
    reference="VectorIO.openai_update_vector_store; POST /v1/vector_stores/{vector_store_id}; "
              "OpenAIUpdateVectorStoreRequest")
STORE_DELETE = CheckDef(
    "vector_io.store.delete", MUST,
    "Delete answers deleted=true; the store is then not found and not listed", API, None,
    reference="VectorIO.openai_delete_vector_store; DELETE /v1/vector_stores/{vector_store_id}; "
              "VectorStoreDeleteResponse")
CHUNKS_QUERY = CheckDef(
    "vector_io.chunks.query", MUST,
    "Inserted chunks are found: a query equal to a chunk's text returns it first, with one score per "
    "chunk, ranked high to low, at most max_chunks", API, None,
    reference="VectorIO.insert_chunks, VectorIO.query_chunks; POST /v1/vector-io/insert, "
              "POST /v1/vector-io/query; QueryChunksResponse")
SEARCH = CheckDef(
    "vector_io.search", MUST,
    "Search returns the store's own content ranked high to low, scores numbers, at most "
    "max_num_results", API, None,
    reference="VectorIO.openai_search_vector_store; POST /v1/vector_stores/{vector_store_id}/search; "
              "VectorStoreSearchResponsePage")
SCORES_FINITE = CheckDef(
    "vector_io.search.scores-finite", MUST,
    "Scores are finite: JSON has no Infinity, so a server sends an infinite score as null, which the "
    "contract's number type (and ogx-client's search) rejects", API, None,
    reference="VectorStoreSearchResponse.score, QueryChunksResponse.scores (float, serialized as JSON)")
SEARCH_FILE_ID = CheckDef(
    "vector_io.search.file-id", MUST,
    "A search result from an attached file names that file's id in file_id (not an internal document "
    "or chunk id)", API, None,
    reference="VectorStoreSearchResponse.file_id; POST /v1/vector_stores/{vector_store_id}/search")
SEARCH_FILTERS = CheckDef(
    "vector_io.search.filters", MUST,
    "Search filters on file attributes select exactly the matching files: eq, ne, gt, gte, lt, lte, in, "
    "nin, and, or, nested", API, None,
    reference="OpenAISearchVectorStoreRequest.filters; ComparisonFilter, CompoundFilter (ogx_api.filters)")
FILES_ATTRIBUTES_UPDATE = CheckDef(
    "vector_io.files.attributes-update", MUST,
    "Updated file attributes are the ones retrieve shows and search filters apply", API, None,
    reference="VectorIO.openai_update_vector_store_file; POST /v1/vector_stores/{id}/files/{file_id}; "
              "OpenAISearchVectorStoreRequest.filters")
FILES_DELETE_UNSEARCHABLE = CheckDef(
    "vector_io.files.delete-unsearchable", MUST,
    "Deleting a file from a store removes its chunks: search and query no longer return its text", API,
    None, reference="VectorIO.openai_delete_vector_store_file; "
                    "DELETE /v1/vector_stores/{vector_store_id}/files/{file_id}")
ISOLATION = CheckDef(
    "vector_io.isolation", MUST,
    "Two stores never see each other's chunks or files (query, search, file listing)", API, None,
    reference="VectorIO.query_chunks, VectorIO.openai_search_vector_store: results of vector_store_id")
ISOLATION_BACKEND = CheckDef(
    "vector_io.isolation.backend", MUST,
    "A provider lists and finds only its own stores, even when another instance shares its storage "
    "backend under another namespace", API, None,
    reference="VectorIO.openai_list_vector_stores, VectorIO.openai_retrieve_vector_store; "
              "KVStoreReference.namespace / SqlStoreReference.table_name of the provider config")
FILES_ATTACH = CheckDef(
    "vector_io.files.attach", MUST,
    "An attached file reaches a terminal status (completed with its text searchable, or failed with "
    "last_error); list / retrieve / contents / update / delete of the store's files agree", API, None,
    reference="VectorIO.openai_attach_file_to_vector_store and the /v1/vector_stores/{id}/files "
              "routes; VectorStoreFileObject, VectorStoreFileStatus")
FILES_BATCH = CheckDef(
    "vector_io.files.batch", MUST,
    "A file batch reaches a terminal status, its file_counts add up and list its files; a terminal "
    "batch never changes status, and cancelling it is refused with a 4xx or leaves it terminal", API,
    None, reference="VectorIO.openai_create_vector_store_file_batch, "
                    "openai_retrieve_vector_store_file_batch, openai_cancel_vector_store_file_batch; "
                    "/v1/vector_stores/{id}/file_batches; VectorStoreFileBatchObject")
NOT_FOUND = CheckDef(
    "vector_io.not-found", MUST,
    "Unknown store, file and batch ids raise a not-found (4xx) error", API, None,
    reference="VectorStoreNotFoundError; every /v1/vector_stores/{vector_store_id} route")
SEARCH_MODES = CheckDef(
    "vector_io.search.modes", MUST,
    "search_mode keyword ranks by the query's words and hybrid fuses words and vectors, or the provider "
    "refuses the mode cleanly (4xx / 501); an unknown search_mode is a 400", API, None,
    reference="OpenAISearchVectorStoreRequest.search_mode (vector, keyword, hybrid)")
SEARCH_HYBRID_OPTIONS = CheckDef(
    "vector_io.search.hybrid-options", MUST,
    "ranking_options.hybrid_search weights decide the fused ranking (text-only ranks by words, "
    "embedding-only by vectors), or a provider that cannot apply them rejects the search with a 400",
    API, None, reference="SearchRankingOptions.hybrid_search, HybridSearchOptions (ogx-api 1.5)")
CHUNKS_PRECOMPUTED = CheckDef(
    "vector_io.chunks.precomputed-embeddings", MUST,
    "An inserted chunk is found by the embedding it carries, not one recomputed from its text; a chunk "
    "whose embedding has another dimension than the store's is refused with a 4xx", API, None,
    reference="VectorIO.insert_chunks; EmbeddedChunk.embedding, embedding_dimension")
FILES_CHUNKING = CheckDef(
    "vector_io.files.chunking", MUST,
    "A file attached with a static chunking strategy reports that strategy, and its contents come back "
    "as chunks within max_chunk_size_tokens that together hold the whole file", API, None,
    reference="OpenAIAttachFileRequest.chunking_strategy, VectorStoreChunkingStrategyStatic; "
              "VectorIO.openai_retrieve_vector_store_file_contents; VectorStoreFileContentResponse")
SEARCH_RANKERS = CheckDef(
    "vector_io.search.rankers", MUST,
    "In a hybrid search, ranking_options.ranker weighted follows alpha (1: vectors only, 0: words only) "
    "and rrf fuses both rankings; a provider without hybrid search refuses it cleanly (4xx / 501)", API,
    None, reference="SearchRankingOptions.ranker, alpha, impact_factor; OpenAISearchVectorStoreRequest.search_mode")
SEARCH_FILTER_KEYS = CheckDef(
    "vector_io.search.filter-keys", SHOULD,
    "A search filter key the API package's filter models refuse (ogx 1.5: only letters, digits, _ and -), "
    "at the top or nested in and/or, is refused with a 4xx; keys it accepts (with _ and -) filter as usual. "
    "SHOULD: the request's filters are a free dict, the pattern lives in the package's filter models, which "
    "ogx's own stores apply (a provider may handle other keys safely)",
    API, None, reference="ogx_api.filters.ComparisonFilter key validator (_VALID_METADATA_KEY_PATTERN); "
                         "OpenAISearchVectorStoreRequest.filters")
CHUNKS_FILTERS = CheckDef(
    "vector_io.chunks.filters", MUST,
    "query_chunks params.filters select exactly the chunks whose metadata match (eq, ne, gt, gte, lt, lte, "
    "in, nin, booleans, and, or, nested; none match: no chunks), or the provider refuses filters with a 501",
    API, None, reference="VectorIO.query_chunks; QueryChunksRequest.params['filters'] (ComparisonFilter, "
                         "CompoundFilter, parsed by the server's router)")
FILES_CONTENTS_INCLUDE = CheckDef(
    "vector_io.files.contents-include", MUST,
    "File contents carry each chunk's embedding (of the store's dimension) only with include_embeddings and "
    "its metadata only with include_metadata; the text is the same either way", API, None,
    reference="VectorIO.openai_retrieve_vector_store_file_contents(include_embeddings, include_metadata); "
              "VectorStoreContent.embedding, metadata, chunk_metadata")
NOT_FOUND_404 = CheckDef(
    "vector_io.not-found.404", SHOULD,
    "An unknown vector store is answered 404 (the typed not-found), not 400: SDKs map 404 to NotFoundError",
    API, None, reference="VectorStoreNotFoundError (ResourceNotFoundError, 404); OpenAI and ogx-client "
                         "NotFoundError")
STATEFUL = CheckDef(
    "vector_io.stateful", MUST,
    "Any sequence of store, chunk and file operations matches a model of what exists", API, None,
    reference="VectorIO (all members); /v1/vector_stores routes")

# A run of the vector_io suites on one broken fixture, selecting the tests that judge its defect.
_SUITES = ("--llama-api=vector_io", "-m", "behavioral or negative or stateful")


def _proof(fixture: str, fails: dict[str, tuple[CheckDef, ...]]) -> Proof:
    """``fixture`` (``vector-io-<defect>``) fails exactly the tests in ``fails``, which are all it runs."""
    return Proof(f"vector-io-{fixture}", fails, run=(*_SUITES, "-k", " or ".join(fails)))


WING = Wing(
    api=API,
    checks=(STORE_CREATE, STORE_RETRIEVE, STORE_LIST, STORE_UPDATE, STORE_DELETE, CHUNKS_QUERY, SEARCH,
            SCORES_FINITE, ISOLATION, ISOLATION_BACKEND, FILES_ATTACH, FILES_BATCH, NOT_FOUND, STATEFUL,
            SEARCH_FILE_ID, SEARCH_FILTERS, FILES_ATTRIBUTES_UPDATE, FILES_DELETE_UNSEARCHABLE, NOT_FOUND_404,
            SEARCH_MODES, SEARCH_HYBRID_OPTIONS, CHUNKS_PRECOMPUTED, FILES_CHUNKING,
            SEARCH_RANKERS, SEARCH_FILTER_KEYS, CHUNKS_FILTERS, FILES_CONTENTS_INCLUDE),
    proofs=(
        _proof("create-drops-name", {"test_store_create_retrieve_update": (STORE_CREATE,)}),
        _proof("retrieve-differs", {"test_store_create_retrieve_update": (STORE_RETRIEVE,)}),
        _proof("update-ignored", {"test_store_create_retrieve_update": (STORE_UPDATE,)}),
        _proof("list-ignores-after", {"test_store_list_and_delete": (STORE_LIST,)}),
        _proof("delete-keeps", {"test_store_list_and_delete": (STORE_DELETE,),
                                "test_vector_io_state_machine": (STATEFUL,)}),
        _proof("query-unranked", {"test_chunks_insert_query_search": (CHUNKS_QUERY,)}),
        _proof("search-ignores-max", {"test_chunks_insert_query_search": (SEARCH,)}),
        _proof("query-all-stores", {"test_stores_are_isolated": (ISOLATION,)}),
        _proof("attach-not-indexed", {"test_attach_file": (FILES_ATTACH,)}),
        _proof("batch-counts-wrong", {"test_file_batch": (FILES_BATCH,)}),
        _proof("unknown-key-error", {"test_unknown_ids": (TYPED_ERROR, NOT_FOUND)}),
        _proof("shared-backend", {"test_backend_shared_with_another_instance": (ISOLATION_BACKEND,)}),
        _proof("infinite-scores", {"test_exact_match_scores_are_finite": (SCORES_FINITE,)}),
        _proof("search-document-id", {"test_search_names_attached_file": (SEARCH_FILE_ID,)}),
        _proof("filters-ignore-ne", {"test_search_filters": (SEARCH_FILTERS,)}),
        _proof("filters-nested-flat", {"test_search_filters": (SEARCH_FILTERS,)}),
        _proof("attributes-update-stale", {"test_file_attributes_update": (FILES_ATTRIBUTES_UPDATE,)}),
        _proof("delete-file-keeps-chunks", {"test_deleted_file_unsearchable": (FILES_DELETE_UNSEARCHABLE,)}),
        _proof("keyword-is-vector", {"test_search_modes": (SEARCH_MODES,)}),
        _proof("unknown-mode-accepted", {"test_search_modes": (SEARCH_MODES,)}),
        _proof("hybrid-weights-ignored", {"test_hybrid_search_options": (SEARCH_HYBRID_OPTIONS,)}),
        _proof("hybrid-weights-crash", {"test_hybrid_search_options": (SEARCH_HYBRID_OPTIONS,)}),
        _proof("insert-reembeds", {"test_precomputed_embeddings": (CHUNKS_PRECOMPUTED,)}),
        _proof("insert-any-dimension", {"test_precomputed_embeddings": (CHUNKS_PRECOMPUTED,)}),
        _proof("chunking-not-echoed", {"test_static_chunking": (FILES_CHUNKING,)}),
        _proof("contents-drop-last", {"test_static_chunking": (FILES_CHUNKING,)}),
        _proof("weighted-alpha-ignored", {"test_search_rankers": (SEARCH_RANKERS,)}),
        *(Proof(f"vector-io-filter-keys-{defect}", run=(*_SUITES, "-k", "test_search_filter_keys"),
                warns=((SEARCH_FILTER_KEYS, "filter keys*"),)) for defect in ("unchecked", "strict")),
        _proof("query-filters-ignored", {"test_query_chunks_filters": (CHUNKS_FILTERS,)}),
        _proof("contents-include-ignored", {"test_file_contents_include": (FILES_CONTENTS_INCLUDE,)}),
        Proof("vector-io-unknown-store-400", run=(*_SUITES, "-k", "test_unknown_store_answers_404"),
              warns=((NOT_FOUND_404, "openai_retrieve_vector_store(*) was answered 400*"),)),
    ),
)
