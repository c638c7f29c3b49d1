"""security.secret-in-error: a config secret never reaches a client, a stream or a log.

The servers send a ``ValueError``'s text to the client verbatim (a 400) and log a 500's
traceback, so a provider whose error, answer or log line quotes its API key hands the key to
every caller and every reader of the server's logs. ``Kit.call`` hands every call a
behavioural test makes to ``SecretWatch``, which looks for the secrets in what the call left:

* the exception and its chain (``__cause__``, ``__context__``, exception groups): message, ``args``,
  notes, and over HTTP the error body the server sent;
* the returned value as JSON (``model_dump(mode="json")``, or the JSON the server sent), and each
  stream chunk;
* the log records any logger emitted while the call ran (the message after formatting, its
  args, the traceback text), the kit's own loggers excepted.

Which values are secrets (``watched_secrets``): every ``SecretStr`` value of the provider's
validated config; string fields whose name says credential (``api_key``, ``token``,
``password``...), ``${env.VAR}`` values included; the values of ``--llama-stack-header`` and
``--llama-stack-second-user-header`` (and the credential after an auth scheme, ``Bearer <token>``).
Environment values that feed other fields (a URL, a model name, a path) are redacted from
output but not looked for: an error naming the address its backend could not be reached at
is what the user needs, not a leak.
Values shorter than ``MIN_SECRET_LENGTH`` are not looked for: they occur in ordinary text.

Besides the value itself, the encodings a leak takes in practice: base64 (standard and
URL-safe, as in a ``Basic`` header or a dumped request), percent-encoding (a key in a URL's
query) and JSON / ``repr`` escaping. A secret *inside* a larger encoded blob
(``base64(user:key)``) is not found.

A leak is a leak whatever made the error: a connection error that quotes the key fails the
check even when the backend was down (``Judge.fail_regardless``). The finding names the
member and each place, with an excerpt in which every secret (and any long prefix of one)
is replaced by ``***``.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, urlsplit

import pydantic_core

from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.checks import Finding, finding
from llama_conformance.engine_checks import SECRET_IN_ERROR
from llama_conformance.evidence import environment_cause
from llama_conformance.harness.config import config_as_data, config_secrets, credential_fields
from llama_conformance.redact import REDACTED, Redactor

CHECK_ID = SECRET_IN_ERROR  # the check this module's findings belong to
MIN_SECRET_LENGTH = 8
_PREFIX = 6  # a secret's first characters that, followed by more of it, are masked in excerpts
_EXCERPT = 48  # characters of context either side of the first redacted spot
_MAX_PLACES = 5  # places named in one finding; the rest are counted
_MAX_STRINGS = 20_000  # strings looked at in one value (a huge answer is sampled, not walked whole)
_CHAIN_DEPTH = 12
_KIT_LOGGER = "llama_conformance"  # the kit's own records (not its fixtures'): not the provider's, redacted anyway
# Words of a config field name that mark a credential (``max_tokens`` is not one: whole words only).
_AUTH_SCHEME = re.compile(r"^(?:bearer|basic|token|apikey|api-key)\s+(\S+)$", re.IGNORECASE)
_STREAM = "stream"  # every chunk of a stream is one source: the first leaking chunk is named, the others counted


@dataclass(frozen=True)
class Needle:
    """One form of a secret to look for: the value, or an encoding of it."""

    text: str
    origin: str  # which secret, in words that never contain it ("the provider config's `api_key`")
    encoding: str = ""  # "" for the value itself, else "base64" / "percent-encoded" / ...


@dataclass(frozen=True)
class Leak:
    where: str  # "exception message (ValueError)", "response at $.choices[0].message.content", ...
    needle: Needle
    excerpt: str  # redacted
    again: int = 0  # further chunks of the same stream that hold a secret too


def watched_secrets(config: Any, headers: dict[str, str] | None = None,
                    second_user_headers: dict[str, str] | None = None) -> dict[str, str]:
    """``{secret: where it comes from}`` for the provider's config and the run's HTTP headers (both users')."""
    found: dict[str, str] = {}
    if config is not None:
        for path, value in credential_fields(config_as_data(config)):
            found.setdefault(value, f"the provider config's `{path}`")
            password = urlsplit(value).password if "://" in value else None
            if password:
                found.setdefault(password, f"the password in the provider config's `{path}`")
        for value in sorted(config_secrets(config)):
            found.setdefault(value, "a SecretStr value of the provider config")
    for flag, given in (("--llama-stack-header", headers), ("--llama-stack-second-user-header", second_user_headers)):
        for name, value in (given or {}).items():
            found.setdefault(value, f"the {flag} `{name}` value")
            scheme = _AUTH_SCHEME.match(value.strip())
            if scheme:
                found.setdefault(scheme.group(1), f"the credential in the {flag} `{name}` value")
    return {secret: origin for secret, origin in found.items() if len(secret) >= MIN_SECRET_LENGTH}


def needles(secrets: dict[str, str]) -> list[Needle]:
    """Each secret and the encodings of it a leak takes in practice, longest first."""
    found: dict[str, Needle] = {}
    for secret, origin in secrets.items():
        raw = secret.encode()
        forms = [
            ("", secret),
            ("base64", base64.b64encode(raw).decode().rstrip("=")),
            ("URL-safe base64", base64.urlsafe_b64encode(raw).decode().rstrip("=")),
            ("percent-encoded", quote(secret, safe="")),
            ("JSON-escaped", json.dumps(secret)[1:-1]),
            ("repr-escaped", repr(secret)[1:-1]),
        ]
        for encoding, text in forms:
            if len(text) >= MIN_SECRET_LENGTH and (encoding == "" or text != secret):
                found.setdefault(text, Needle(text, origin, encoding))
    return sorted(found.values(), key=lambda n: len(n.text), reverse=True)


# -- where a call can leave text ---------------------------------------------------------------

def _strings(data: Any, path: str, budget: list[int]) -> Iterator[tuple[str, str]]:
    """``(JSON path, text)`` of every string (and dict key) in JSON-like ``data``."""
    if budget[0] <= 0:
        return
    if isinstance(data, str):
        budget[0] -= 1
        yield path, data
    elif isinstance(data, bytes):
        budget[0] -= 1
        yield path, data.decode("utf-8", errors="replace")
    elif isinstance(data, dict):
        for key, value in data.items():
            name = str(key)
            yield f"{path} (a key)", name
            child = f"{path}.{name}" if re.fullmatch(r"[A-Za-z_][\w-]*", name) else f"{path}[{name!r}]"
            yield from _strings(value, child, budget)
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            yield from _strings(value, f"{path}[{index}]", budget)


def _json_of(value: Any, raw: Any) -> Any:
    """What a client gets for ``value``: the JSON the server sent (``raw``), or the value dumped as JSON."""
    if raw is not None and raw is not value:
        return raw
    try:
        return pydantic_core.to_jsonable_python(value, fallback=repr)
    except Exception:  # a value pydantic cannot walk: its text, as a log line would show it
        return repr(value)


def _links(exc: BaseException) -> Iterator[tuple[str, BaseException]]:
    """The exception and the ones behind it, each with how it hangs off the first ("" for itself)."""
    seen: set[int] = set()
    todo: list[tuple[str, BaseException]] = [("", exc)]
    while todo and len(seen) < _CHAIN_DEPTH:
        how, current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield how, current
        prefix = f"{how}." if how else ""
        todo += [(f"{prefix}{attr}", link) for attr, link in
                 (("__cause__", current.__cause__), ("__context__", current.__context__)) if link is not None]
        group = getattr(current, "exceptions", ()) or ()
        todo += [(f"{prefix}exceptions[{i}]", link) for i, link in enumerate(group) if isinstance(link, BaseException)]


def _text_of(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # an exception whose __str__ raises shows nothing there
        return ""


def _exception_texts(exc: BaseException) -> Iterator[tuple[str, str, str]]:
    for how, link in _links(exc):
        source = f"exception{how}"
        name = type(link).__name__
        of = f" of its {how}" if how else ""
        status, body = getattr(link, "status_code", None), getattr(link, "body", None)
        if status is not None and body is not None:  # the server's answer (transport.RemoteError, openai's)
            for path, text in _strings(body, "$", [_MAX_STRINGS]):
                yield source, f"HTTP error body{of} (status {status}) at {path}", text
            continue
        yield source, f"exception message{of} ({name})", _text_of(link)
        budget = [_MAX_STRINGS]
        for index, arg in enumerate(link.args):
            for path, text in _strings(_json_of(arg, None), "$", budget):
                yield source, f"exception args[{index}]{of} ({name}) at {path}", text
        for note in getattr(link, "__notes__", ()) or ():
            yield source, f"exception note{of} ({name})", str(note)


def _record_texts(record: logging.LogRecord) -> Iterator[tuple[str, str]]:
    """``(where, text)`` of one record: what a log handler would write, and what it was built from."""
    where = f"log record of logger '{record.name}' ({record.levelname})"
    try:
        message = record.getMessage()
    except Exception:  # args that do not fit the format: the logging module prints both
        message = f"{record.msg} {record.args}"
    yield f"{where} message", message
    if isinstance(record.msg, dict):  # structlog hands the event dict over as the message
        yield from ((f"{where} event at {p}", t) for p, t in _strings(_json_of(record.msg, None), "$", [_MAX_STRINGS]))
    args = record.args if isinstance(record.args, tuple) else (record.args,) if record.args else ()
    budget = [_MAX_STRINGS]
    for index, arg in enumerate(args):
        for path, text in _strings(_json_of(arg, None), "$", budget):
            yield f"{where} args[{index}] at {path}", text
    if record.exc_info and record.exc_info[1] is not None:
        yield f"{where} traceback", logging.Formatter().formatException(record.exc_info)
    elif record.exc_text:
        yield f"{where} traceback", record.exc_text
    if record.stack_info:
        yield f"{where} stack", record.stack_info


def outcome_texts(outcome: Outcome, records: Iterable[logging.LogRecord]) -> Iterator[tuple[str, str, str]]:
    """``(source, where, text)`` for everything a call left that a client or a log reader sees.

    One source (an exception of the chain, a stream chunk, a log record) is named once, at its
    first leak: its message and the args it was built from are one place, not two.
    """
    if outcome.error is not None:
        yield from _exception_texts(outcome.error)
    if outcome.chunks is not None:
        raws = outcome.raw_chunks or []
        for count, chunk in enumerate(outcome.chunks, start=1):
            raw = raws[count - 1] if count <= len(raws) else None
            for path, text in _strings(_json_of(chunk, raw), "$", [_MAX_STRINGS]):
                yield _STREAM, f"stream chunk #{count} at {path}", text
    elif outcome.value is not None:
        for path, text in _strings(_json_of(outcome.value, outcome.raw), "$", [_MAX_STRINGS]):
            yield path, f"response at {path}", text
    for index, record in enumerate(records):
        yield from ((f"record {index}", where, text) for where, text in _record_texts(record))


# -- the watch ---------------------------------------------------------------------------------

class _Recorder(logging.Handler):
    """Keeps the records emitted while a call runs (any thread: the provider's loop runs on the gate's)."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:  # called under the handler's own lock
        if record.name != _KIT_LOGGER and not record.name.startswith(f"{_KIT_LOGGER}."):
            self.records.append(record)


class SecretWatch:
    """Looks for the run's secrets in what each call left; empty (and free) when there are none."""

    def __init__(self, secrets: dict[str, str], redactor: Redactor | None = None) -> None:
        self.secrets = secrets
        self._needles = needles(secrets)
        self._redactor = redactor or Redactor(set(secrets))

    @classmethod
    def of(cls, config: Any, headers: dict[str, str] | None, redactor: Redactor | None,
           second_user_headers: dict[str, str] | None = None) -> SecretWatch:
        return cls(watched_secrets(config, headers, second_user_headers), redactor)

    def __bool__(self) -> bool:
        return bool(self._needles)

    def describe(self) -> str:
        """Which secrets are watched, without their values (for a test's reason or a report)."""
        origins = sorted(set(self.secrets.values()))
        return f"{len(self.secrets)} secret(s): {'; '.join(origins)}" if origins else "no secret"

    @contextmanager
    def recording(self) -> Iterator[list[logging.LogRecord]]:
        """The log records emitted during the ``with`` block, at the levels the logging setup emits."""
        recorder = _Recorder()
        root = logging.getLogger()
        root.addHandler(recorder)
        try:
            yield recorder.records
        finally:
            root.removeHandler(recorder)

    def leaks(self, texts: Iterable[tuple[str, str, str]]) -> list[Leak]:
        """The first place of each source whose text holds a secret (the first form found there)."""
        found: dict[str, Leak] = {}
        chunks: set[str] = set()
        for source, where, text in texts:
            if source in found and source != _STREAM:
                continue
            needle = next((n for n in self._needles if n.text in text), None)
            if needle is None:
                continue
            if source not in found:
                found[source] = Leak(where, needle, self.excerpt(text))
            chunks.add(where.split(" at ", 1)[0])
        if _STREAM in found:
            found[_STREAM] = replace(found[_STREAM], again=len(chunks) - 1)
        return list(found.values())

    def redact(self, text: str) -> str:
        """``text`` without any watched secret, encoding of one, or long prefix of one."""
        for needle in self._needles:
            text = text.replace(needle.text, REDACTED)
        text = self._redactor(text)
        for secret in self.secrets:
            start = text.find(secret[:_PREFIX])
            while start != -1:
                end = start + _PREFIX
                while end < len(text) and end - start < len(secret) and text[end] == secret[end - start]:
                    end += 1
                text = text[:start] + REDACTED + text[end:]
                start = text.find(secret[:_PREFIX], start + len(REDACTED))
        return text

    def excerpt(self, text: str) -> str:
        """A redacted window around the first secret in ``text``, on one line."""
        redacted = " ".join(self.redact(text).split())
        at = max(redacted.find(REDACTED), 0)
        start, end = max(at - _EXCERPT, 0), min(at + len(REDACTED) + _EXCERPT, len(redacted))
        window = f"{'…' if start else ''}{redacted[start:end]}{'…' if end < len(redacted) else ''}"
        # The window quoted in a failure must not read as a connection error: the kit would call a
        # failure whose text says "connection refused" an environment problem, and the leak would vanish.
        return window if environment_cause(Exception(window)) is None else "(excerpt withheld: it quotes a " \
            "connection error)"

    def findings(self, member_id: str, outcome: Outcome, records: Iterable[logging.LogRecord]) -> list[Finding]:
        """One MUST finding naming every place ``member_id``'s call let a secret out, or none."""
        leaks = self.leaks(outcome_texts(outcome, records))
        if not leaks:
            return []
        places = [f"{leak.where}{f' ({leak.needle.encoding})' if leak.needle.encoding else ''}: '{leak.excerpt}'"
                  f"{f' (and in {leak.again} later chunk(s))' if leak.again else ''}" for leak in leaks[:_MAX_PLACES]]
        more = f"; and {len(leaks) - _MAX_PLACES} more place(s)" if len(leaks) > _MAX_PLACES else ""
        origins = ", ".join(sorted({leak.needle.origin for leak in leaks}))
        cause = f" (the call failed with {type(outcome.error).__name__})" if outcome.error is not None else ""
        return [finding(CHECK_ID, self.redact(
            f"{member_id} let {origins} out{cause}, in its {'; in its '.join(places)}{more}. Clients get the "
            "server's answers and error texts verbatim and its logs keep every record and traceback, so whoever "
            "reads any of them gets the credential: the provider's maintainer must name the setting that is wrong "
            "without quoting its value (or a SecretStr's get_secret_value()) in errors, answers and logs."))]
