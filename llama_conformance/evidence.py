"""Tell an environment problem from a contract defect: what a verdict rests on.

A check earns *failed* only when the provider broke the contract. Two kinds of evidence
cannot carry that verdict (nor a pass):

* **environment**: the provider's own client could not reach its backend (connection
  refused, DNS, TLS, a client-side timeout, missing credentials). The provider never got
  to show what it does; whoever runs the kit must start the backend or fix its address.
* **stand-in**: the provider asked one of the kit's stand-in dependencies to *generate*
  (the reference inference provider echoes; it cannot play an LLM judge), and the check
  judges what the provider made of that answer.

Such a check is **inconclusive**, with its cause: a status of its own in the terminal, in
JUnit (a skip with the reason) and in ``report.json``; a Core MUST check that could not be
judged makes the verdict *Inconclusive*, never *Not conformant*.

Every call into the provider records what it saw in the provider's ``EvidenceLog``; a test
reads the entries made since it started. Classification goes by the exception chain
(``__cause__`` / ``__context__`` / exception groups): the type names of the client
libraries the surveyed providers use, OS error numbers, and the messages clients wrap them
in (``chromadb`` raises a bare ``ValueError("Could not connect to a Chroma server")``).
"""

from __future__ import annotations

import errno
import inspect
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

INCONCLUSIVE_TAG = "INCONCLUSIVE"

# Exception classes, by qualified name anywhere in the MRO, that mean "the backend could not be
# reached": httpx / openai / aiohttp / requests / urllib3 / elastic-transport / weaviate / pymongo /
# redis / botocore / qdrant / asyncpg. Names, not imports: the kit must not import them to ask.
_UNREACHABLE_TYPES = frozenset({
    "ConnectionError", "TimeoutError",  # builtins (refused, reset, aborted), socket.timeout
    "gaierror", "herror", "SSLError", "SSLCertVerificationError",  # socket / ssl
    "NetworkError", "ConnectError", "ConnectTimeout", "ReadTimeout", "WriteTimeout",
    "PoolTimeout", "TimeoutException", "RemoteProtocolError", "ReadError", "WriteError",  # httpx
    "APIConnectionError", "APITimeoutError",  # openai, anthropic
    "ClientConnectionError", "ClientConnectorError", "ServerDisconnectedError", "ServerTimeoutError",
    "ClientOSError",  # aiohttp
    "NewConnectionError", "MaxRetryError", "ConnectTimeoutError", "ProtocolError",  # urllib3
    "ConnectionTimeout",  # elastic_transport
    "WeaviateConnectionError", "WeaviateStartUpError", "WeaviateClosedClientError",  # weaviate
    "ServerSelectionTimeoutError", "AutoReconnect", "ConnectionFailure",  # pymongo
    "EndpointConnectionError",  # botocore
    "CannotConnectNowError", "ConnectionDoesNotExistError",  # asyncpg
    "MilvusUnavailableException",  # pymilvus
})
# Missing or refused credentials: the deployment's configuration, not the contract.
_CREDENTIAL_TYPES = frozenset({"AuthenticationError", "NoCredentialsError", "PartialCredentialsError"})
# No configuration or credentials for the backend on this machine at all (no kubeconfig, no application-default
# credentials): by qualified name, as a bare "ConfigException" is too common a name to mean this.
_UNCONFIGURED_TYPES = frozenset({
    "kubernetes.config.config_exception.ConfigException",  # load_kube_config / load_incluster_config found none
    "kubernetes_asyncio.config.config_exception.ConfigException",
    "google.auth.exceptions.DefaultCredentialsError",
})
_UNREACHABLE_ERRNOS = frozenset({
    errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.EHOSTUNREACH, errno.ENETUNREACH,
    errno.ETIMEDOUT, errno.EADDRNOTAVAIL, errno.EHOSTDOWN, errno.ENETDOWN,
})
# What clients say when they wrap the error in a type of their own (or a bare ValueError).
_UNREACHABLE_TEXT = re.compile(
    r"connection refused|connect call failed|errno 111|errno 61\b|name or service not known|"
    r"temporary failure in name resolution|nodename nor servname|getaddrinfo failed|"
    r"failed to establish a new connection|cannot connect to host|could not connect to|"
    r"all connection attempts failed|connection reset by peer|network is unreachable|no route to host|"
    r"server unavailable|fail(?:ed)? connecting to server|max retries exceeded|"
    r"statuscode\.unavailable|failed to connect to|unable to connect to",
    re.IGNORECASE,
)
# host:port as clients print it: an IPv4 or IPv6 address, localhost, or a dotted name (not gRPC's
# "ipv4:127.0.0.1:9" prefix, nor "Errno 111").
_ADDRESS = re.compile(r"(?:https?://)?(?:\[[0-9a-f:]+\]|\d{1,3}(?:\.\d{1,3}){3}|localhost|[a-z][\w-]*(?:\.[\w-]+)+)"
                      r":\d{1,5}\b", re.IGNORECASE)
_CHAIN_DEPTH = 12


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes and contexts, and the members of exception groups, once each."""
    seen: set[int] = set()
    todo = [exc]
    while todo and len(seen) < _CHAIN_DEPTH:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]
        todo += list(getattr(current, "exceptions", ()) or ())


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and its explicit causes (``raise ... from``), not the errors it was raised while handling."""
    current: BaseException | None = exc
    for _depth in range(_CHAIN_DEPTH):
        if current is None:
            return
        yield current
        current = current.__cause__


def _type_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def _qualified_names(exc: BaseException) -> set[str]:
    return {f"{cls.__module__}.{cls.__qualname__}" for cls in type(exc).__mro__}


def _unreachable_by_type(exc: BaseException) -> bool:
    if _type_names(exc) & _UNREACHABLE_TYPES:
        return True
    if isinstance(exc, OSError) and exc.errno in _UNREACHABLE_ERRNOS:
        return True
    code = getattr(exc, "code", None)  # grpc.RpcError: code() is StatusCode.UNAVAILABLE
    if callable(code):
        try:
            return getattr(code(), "name", "") in ("UNAVAILABLE", "DEADLINE_EXCEEDED")
        except Exception:
            return False
    return False


# asyncio's "Connect call failed ('127.0.0.1', 5432)", libpq's 'server at "127.0.0.1", port 5432'
_ADDRESS_TUPLE = re.compile(r"""\(?['"]([\d.]+|[0-9a-f:]+|localhost)['"], (?:port )?(\d{1,5})\b""", re.IGNORECASE)


def _address(chain: list[BaseException]) -> str | None:
    """Where the provider tried to connect, as ``host:port``, when its error says."""
    found = _request_address(chain)
    if found:
        return found
    text = " ".join(str(e) for e in chain)
    match = _ADDRESS.search(text)
    if match:
        return match.group(0)
    pair = _ADDRESS_TUPLE.search(text)
    return f"{pair.group(1)}:{pair.group(2)}" if pair else None


def _request_address(chain: list[BaseException]) -> str | None:
    """``host:port`` of the request an HTTP client's error carries (httpx, openai keep it)."""
    for link in chain:
        try:
            url = getattr(getattr(link, "request", None), "url", None)
        except Exception:  # httpx raises RuntimeError when the error has no request
            continue
        host, port = getattr(url, "host", None), getattr(url, "port", None)
        if host:
            return f"{host}:{port}" if port else str(host)
    return None


def environment_cause(exc: BaseException | None) -> str | None:
    """Why ``exc`` is an environment problem (one line naming the exception and, when its
    message has one, the address), or None when it may be the provider's own defect.

    The exception types of the chain decide first; only when none does is a message that
    says so taken (a client's own ``ValueError("Could not connect ...")``, a finding quoting it).
    """
    if exc is None:
        return None
    chain = list(_chain(exc))
    # Only the error and what it was raised from: kubernetes clients try load_incluster_config() first and fall back
    # to load_kube_config() in its ``except ConfigException``, so outside a cluster every error raised in that
    # fallback has a ConfigException as its context, configured or not.
    caused = list(_causes(exc))
    address = _address(chain)
    where = f" at {address}" if address else ""
    advice = ("whoever runs the kit must start it or point the provider config at one (a provider that fetches "
              "data at start-up needs it cached offline)")
    for link in chain:
        if isinstance(link, AttributeError) and "enable_load_extension" in str(link):
            # sqlite-vec and other sqlite extensions: the interpreter's sqlite3 was built without
            # loadable extensions (pyenv's default), a property of the machine, not of the provider.
            return ("this Python's sqlite3 cannot load extensions (a CPython built without "
                    "--enable-loadable-sqlite-extensions, as pyenv builds by default); whoever runs the kit must "
                    "use a Python whose sqlite3 can, or put pysqlite3-binary in sqlite3's place (RUNNING.md)")
        if _type_names(link) & _CREDENTIAL_TYPES:
            return (f"the provider's backend refused its credentials ({type(link).__name__}: {_short(link)}); "
                    "whoever runs the kit must supply valid credentials in the provider config")
        if link in caused and _qualified_names(link) & _UNCONFIGURED_TYPES:
            return (f"the provider's client could not load its configuration for its backend on this machine "
                    f"({type(link).__name__}: {_short(link)}); whoever runs the kit must supply it (a kubeconfig, "
                    "credentials) where that client looks, or a provider config that names it")
        if _unreachable_by_type(link):
            said = f"{type(link).__name__}: {_short(link)}"
            return f"a service the provider needs{where} could not be reached ({said}); {advice}"
    for link in chain:
        if _UNREACHABLE_TEXT.search(str(link)):
            return (f"a service the provider needs{where} could not be reached (its client said: {_short(link)}); "
                    f"{advice}")
    return None


def _short(exc: BaseException, limit: int = 160) -> str:
    text = " ".join(str(exc).split()) or "no message"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_semantic(check_id: str) -> bool:
    """A judgement of what the provider decided from its dependencies' answers (the check's
    ``judges_dependency_answers``): only those rest on a stand-in's generated answer. Shapes,
    errors, counts, order and hangs are the provider's alone, whoever answered it."""
    from llama_conformance.checks import CHECKS

    check = CHECKS.get(check_id)
    return bool(check and check.judges_dependency_answers)


@dataclass(frozen=True)
class Evidence:
    """One thing a call saw that a verdict cannot rest on."""

    kind: str  # "environment" | "stand-in"
    member: str
    cause: str


class _LoggedErrors(logging.Handler):
    """Environment errors a provider logs and swallows during a call.

    A provider that catches its client's ``ConnectError``, logs it and answers anyway (a
    shield that passes content when its detector is down) leaves no exception for the kit
    to see: its answer rests on a backend it never reached, so the check is inconclusive.
    """

    def __init__(self, log: EvidenceLog) -> None:
        super().__init__(logging.NOTSET)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        if not self.log.calling:
            return
        try:
            exc = record.exc_info[1] if record.exc_info else None
            cause = environment_cause(exc) if exc is not None else None
            if cause is None and record.levelno >= logging.WARNING:
                text = record.getMessage()
                cause = environment_cause(Exception(text)) if _UNREACHABLE_TEXT.search(text) else None
            if cause is not None:
                self.log.entries.append(Evidence("environment", self.log.current,
                                                 f"{cause} (logged by `{record.name}` and not raised)"))
        except Exception:  # a handler must never break the provider's logging
            pass


@dataclass
class EvidenceLog:
    """What calls into one provider saw, in order; tests read the entries since they started."""

    entries: list[Evidence] = field(default_factory=list)
    current: str = "(building the provider)"  # the provider member being called, for stand-in records
    calling: bool = False  # a call into the provider is running: its log records are evidence
    _handler: logging.Handler | None = field(default=None, repr=False)

    def listen(self) -> None:
        """Watch the root logger for environment errors logged during calls (once)."""
        if self._handler is None:
            self._handler = _LoggedErrors(self)
            logging.getLogger().addHandler(self._handler)

    def close(self) -> None:
        if self._handler is not None:
            logging.getLogger().removeHandler(self._handler)
            self._handler = None

    def mark(self) -> int:
        return len(self.entries)

    def since(self, mark: int, kind: str | None = None) -> list[Evidence]:
        return [e for e in self.entries[mark:] if kind is None or e.kind == kind]

    def record_error(self, member: str, exc: BaseException | None) -> None:
        cause = environment_cause(exc)
        if cause is not None:
            self.entries.append(Evidence("environment", member, cause))

    def record_stand_in(self, member: str, stand_in: str) -> None:
        self.entries.append(Evidence(
            "stand-in", member,
            f"the provider asked the kit's stand-in {stand_in} to generate an answer, and the stand-in only "
            "echoes (it cannot play an LLM judge); give real dependencies with --llama-stack-config RUN.yaml"))

    def record_stand_in_gap(self, member: str, stand_in: str) -> None:
        self.entries.append(Evidence(
            "stand-in-gap", member,
            f"the provider called the kit's stand-in {stand_in}, which the kit does not implement (a gap of the "
            "kit's stand-in, not the provider's defect); give a real dependency with --llama-stack-config RUN.yaml"))

    def inconclusive_cause(self, mark: int, check_ids: Iterable[str]) -> str | None:
        """The cause that makes judging ``check_ids`` on the calls since ``mark`` inconclusive, if any.

        A backend that could not be reached, or a stand-in that lacks the member the provider called, leaves
        every check of those calls unjudged; a stand-in's echoed answer only the semantic ones."""
        environment = self.since(mark, "environment") + self.since(mark, "stand-in-gap")
        if environment:
            return f"{environment[-1].member}: {environment[-1].cause}"
        stand_ins = self.since(mark, "stand-in")
        if stand_ins and any(is_semantic(check_id) for check_id in check_ids):
            return f"{stand_ins[-1].member}: {stand_ins[-1].cause}"
        return None


class Inconclusive(pytest.skip.Exception):  # type: ignore[misc,name-defined]
    """A check could not be judged; a skip to pytest, Hypothesis and JUnit, with a tagged reason.

    A skip, not a failure: Hypothesis re-raises it at once instead of shrinking, and every
    consumer that only knows pytest's outcomes sees "skipped" with the cause.
    """

    def __init__(self, check_ids: Iterable[str], cause: str) -> None:
        self.check_ids = list(dict.fromkeys(check_ids))
        self.cause = cause
        super().__init__(inconclusive_reason(self.check_ids, cause))


def inconclusive_reason(check_ids: Iterable[str], cause: str) -> str:
    return f"{INCONCLUSIVE_TAG} [{', '.join(check_ids)}]: {cause}"


_REASON = re.compile(rf"{INCONCLUSIVE_TAG} \[([^\]]*)\]: (.*)", re.DOTALL)


def parse_reason(text: str) -> tuple[list[str], str] | None:
    """``(check ids, cause)`` of an inconclusive skip reason, else None."""
    match = _REASON.search(text or "")
    if match is None:
        return None
    return [c.strip() for c in match.group(1).split(",") if c.strip()], match.group(2).strip()


# Members of a stand-in whose answers are generated text: a provider that interprets them
# (an LLM judge, a generator scored afterwards) gets nothing meaningful from the echo.
GENERATIVE_MEMBERS = ("openai_chat_completion", "openai_completion", "create_openai_response", "chat_completion",
                      "completion")


def watch_stand_in(impl: Any, api: str, log: EvidenceLog) -> None:
    """Record the calls the provider makes into the stand-in ``impl`` for ``api`` that a verdict cannot
    rest on: a generative one (the stand-in echoes), and one of a member the stand-in does not implement
    (it raises the protocol's NotImplementedError, which the provider would pass on as its own 501).

    Wraps the instance's bound coroutine methods (not a proxy: the provider may check the type); the
    record names the provider member being called then (``log.current``).
    """
    for name in dir(type(impl)):
        method = getattr(impl, name, None) if not name.startswith("_") else None
        if not inspect.ismethod(method) or not inspect.iscoroutinefunction(method):
            continue

        async def recording(*args: Any, _method: Any = method, _name: str = name, **kwargs: Any) -> Any:
            if _name in GENERATIVE_MEMBERS:
                log.record_stand_in(log.current, f"{api}.{_name}")
            try:
                return await _method(*args, **kwargs)
            except NotImplementedError:
                log.record_stand_in_gap(log.current, f"{api}.{_name}")
                raise

        try:
            setattr(impl, name, recording)
        except (AttributeError, TypeError):
            continue
