"""The engine's own checks: how any call ends, whatever the API (declared once, here).

They are judged by the generic machinery at several layers (the gate and the crash isolation,
the transport's size bounds, the fuzzer, the behavioural ``Kit``), so they are declared below
all of them. An API's own checks live in its wing (``suites/<api>/checks.py``).
"""

from __future__ import annotations

from llama_conformance.capabilities import KNOWN_CAPABILITIES
from llama_conformance.checks import CheckDef, Level, Needs, register

MUST, SHOULD = Level.MUST, Level.SHOULD
# Only an API with optional capabilities can break the promise of declaring one.
_WITH_CAPABILITIES = tuple(api for api, capabilities in KNOWN_CAPABILITIES.items() if capabilities)

# Any API: how a call ends.
NO_HANG = CheckDef("call.no-hang", MUST, "Every call returns or raises within the timeout, streams included",
                   reference='every protocol member; --llama-timeout per call, streams included')
TYPED_ERROR = CheckDef("call.typed-error", MUST,
                       "A rejected request raises a typed error the server maps to 4xx (or 501), never a 5xx",
                       reference="the server's translate_exception: API errors -> their status, ValueError "
                                 '-> 400, others -> 500')
REQUEST_UNCHANGED = CheckDef("call.request-unchanged", MUST,
                             "The provider does not mutate the request objects it was given",
                             reference="every protocol member: request models are the caller's")
VALID_REQUEST_ACCEPTED = CheckDef("call.valid-request-accepted", SHOULD,
                                  "Most valid requests drawn from the contract are answered, not rejected",
                                  reference='the request models of the API package (fields, constraints)')
DECLARED_IMPLEMENTED = CheckDef("capability.declared-implemented", MUST,
                                "A declared capability does not raise NotImplementedError",
                                applies_to=_WITH_CAPABILITIES,
                                reference="the manifest's capabilities; NotImplementedError -> 501")
RESOURCE_BOUND = CheckDef("call.resource-bound", MUST,
                          "Absurd but schema-valid sizes are refused with a typed error (4xx) or answered within the "
                          "deadline and the memory ceiling", applies_to=("inference", "files", "vector_io"),
                          reference="every protocol member's size parameters (n, max_tokens, dimensions, "
                                    'limit, max_num_results, top_k, batch sizes, strings and arrays); '
                                    '--llama-memory-limit')
NO_CRASH = CheckDef("call.no-crash", MUST,
                    "A call never takes the process down (segfault, os._exit, sys.exit, a killed worker)",
                    needs=Needs.PROVIDER, environment_proof=True,
                    reference='every protocol member: the server process serves every other request after '
                              'this one')
SECRET_IN_ERROR = CheckDef("security.secret-in-error", MUST,
                           "A config secret never appears in an exception, error body, response, stream or log record",
                           environment_proof=True,
                           reference="the provider's config (SecretStr fields, ${env.VAR} values) and "
                                     "--llama-stack-header values; the server sends a ValueError's text to "
                                     'the client')
ANSWERED_ONCE = CheckDef("stress.answered-once", MUST,
                         "Under concurrent calls every request is answered exactly once: none lost, none answered "
                         "twice",
                         reference="every protocol member, called concurrently as a server's event loop "
                                   'does')
STREAM_COMPLETE = CheckDef("stress.stream-complete", MUST,
                           "Long and concurrent streams run to their last chunk within the deadline",
                           reference='streaming members: `-> AsyncIterator[Chunk]`, consumed concurrently')
UNKNOWN_ID = CheckDef("negative.unknown-id", MUST,
                      "An unknown model / resource id is a client error (4xx), not a success or a 5xx",
                      reference="ModelNotFoundError / ResourceNotFoundError (404); the server's "
                                'translate_exception: API errors -> their status, ValueError -> 400, others'
                                ' -> 500')

ENGINE_CHECKS: tuple[CheckDef, ...] = (
    NO_HANG, TYPED_ERROR, REQUEST_UNCHANGED, VALID_REQUEST_ACCEPTED, DECLARED_IMPLEMENTED, RESOURCE_BOUND, NO_CRASH,
    SECRET_IN_ERROR, ANSWERED_ONCE, STREAM_COMPLETE, UNKNOWN_ID,
)

register(*ENGINE_CHECKS)
