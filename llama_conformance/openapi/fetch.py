"""Get a server's OpenAPI document: from ``{base_url}/openapi.json`` or from a file.

Every failure is a ``KitUsageError`` with one paragraph that names the URL (or file), says
what went wrong and what to check: the kit cannot fuzz or route anything without the
document, so there is nothing useful to do but stop and tell the user.

Fetching follows the kit's HTTP safety rules: one GET to the given origin, redirects never
followed (a redirect is reported, with its target), header values never echoed into
messages (they may be credentials), and a hard time bound. ``timeout_s`` bounds connecting
and each read; an overall deadline of the same length is checked while the body streams
in, so a port that accepts the connection but never answers fails after ``timeout_s``.
The body is read part by part and cut at ``Limits.document_bytes`` (``transport.limits``;
the servers' documents are ~0.5 MB): a larger one is refused, never held whole.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from llama_conformance.errors import KitUsageError
from llama_conformance.transport.client import shared_tls_context
from llama_conformance.transport.limits import DEFAULT_LIMITS, size

SPEC_PATH = "/openapi.json"
MAX_SPEC_BYTES = DEFAULT_LIMITS.document_bytes


def spec_url(base_url: str) -> str:
    """``http://host:8321`` -> ``http://host:8321/openapi.json`` (a trailing slash is ignored)."""
    return base_url.rstrip("/") + SPEC_PATH


def _fail(url: str, what: str, check: str) -> KitUsageError:
    return KitUsageError(f"Could not get the OpenAPI document from {url}: {what}. {check}")


def _check_document(document: Any, where: str) -> dict[str, Any]:
    """The parsed document, if it is an OpenAPI one; else why not (as a message fragment)."""
    if not isinstance(document, dict):
        raise ValueError(f"{where} holds a JSON {type(document).__name__}, not an OpenAPI document (an object)")
    if "openapi" not in document and "swagger" not in document:
        keys = ", ".join(sorted(map(str, document))[:8]) or "none"
        raise ValueError(f"{where} is not an OpenAPI document: it has no `openapi` field (its keys: {keys})")
    if not isinstance(document.get("paths"), dict):
        raise ValueError(f"{where} is an OpenAPI document without `paths`, so it describes no operation")
    return document


def _too_large(url: str, max_bytes: int, declared: str = "") -> KitUsageError:
    return _fail(url, f"the answer is larger than {size(max_bytes)}{declared}; the kit stopped reading it there",
                 "Check that the URL is the Llama Stack server's, not a file server's, or save the document and "
                 "pass it with --llama-openapi=FILE.")


def _read_body(response: httpx.Response, url: str, deadline: float, max_bytes: int = MAX_SPEC_BYTES) -> bytes:
    """The body, read part by part; past ``max_bytes`` or ``deadline`` the read stops (and the connection closes)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(url, max_bytes, f" (Content-Length {declared})")
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > max_bytes:
            chunks.clear()
            raise _too_large(url, max_bytes)
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the answer did not arrive in time")
        chunks.append(chunk)
    return b"".join(chunks)


def _status_hint(status: int) -> str:
    if status in (401, 403):
        return ("The server requires credentials: pass them with "
                "--llama-stack-header 'Authorization: Bearer <token>'.")
    if status == 404:
        return ("Is this a Llama Stack / OGX server, and is the URL its root (for example "
                "http://127.0.0.1:8321, without /v1)?")
    return "Check the server's log for the cause."


def fetch_spec(base_url: str, headers: Mapping[str, str] | None = None, timeout_s: float = 8.0,
               max_bytes: int = MAX_SPEC_BYTES) -> dict[str, Any]:
    """GET ``{base_url}/openapi.json`` and return the parsed document (see the module docstring)."""
    url = spec_url(base_url)
    if not url.startswith(("http://", "https://")):
        raise _fail(url, "the URL does not start with http:// or https://",
                    "Give the server's root URL, for example --llama-stack-url=http://127.0.0.1:8321.")
    deadline = time.monotonic() + timeout_s
    timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0))
    try:
        with httpx.Client(follow_redirects=False, timeout=timeout, headers=dict(headers or {}), trust_env=False,
                          verify=shared_tls_context()) as client, client.stream("GET", url) as response:
            if response.is_redirect:
                target = response.headers.get("location", "an unnamed location")
                raise _fail(url, f"the server answered {response.status_code} with a redirect to {target}",
                            "The kit never follows redirects (it only talks to the host:port it was given); "
                            "pass the final server URL with --llama-stack-url.")
            if response.status_code != 200:
                raise _fail(url, f"the server answered HTTP {response.status_code}", _status_hint(response.status_code))
            body = _read_body(response, url, deadline, max_bytes)
    except httpx.ConnectError as exc:
        raise _fail(url, f"no connection ({exc or 'connection refused'})",
                    "Is the server running, and are the host and port right?") from None
    except httpx.TimeoutException:
        raise _fail(url, f"no answer within {timeout_s:g} s",
                    "Is the server up and not overloaded? Something accepted the connection (or the connection "
                    "attempt hung) but sent no OpenAPI document in time.") from None
    except httpx.InvalidURL as exc:
        raise _fail(url, f"the URL is not valid ({exc})", "Check --llama-stack-url.") from None
    except httpx.HTTPError as exc:
        raise _fail(url, f"{type(exc).__name__}: {exc}", "Check that the URL points at a Llama Stack server.") from None
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _fail(url, f"the answer is not JSON ({exc})",
                    "Check that the URL points at a Llama Stack / OGX server and not at another web service.") from None
    try:
        return _check_document(document, "the answer")
    except ValueError as exc:
        raise _fail(url, str(exc), "Check that the URL points at a Llama Stack / OGX server.") from None


def read_spec_file(path: Path) -> dict[str, Any]:
    """Read an OpenAPI document saved as JSON or YAML (``.json``, ``.yaml``, ``.yml``, or sniffed)."""
    path = Path(path)
    where = f"file {path}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KitUsageError(f"Could not read the OpenAPI document {path}: the file does not exist. "
                            "Check the path.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KitUsageError(f"Could not read the OpenAPI document {path}: {exc}. "
                            "Check that it is a readable UTF-8 text file.") from None
    try:
        if path.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
            document = json.loads(text)
        else:
            import yaml

            document = yaml.safe_load(text)
    except Exception as exc:  # json and yaml raise different families; both mean "not parseable"
        raise KitUsageError(f"Could not read the OpenAPI document {path}: it is neither valid JSON nor YAML "
                            f"({type(exc).__name__}: {exc}). Save it again from the server's /openapi.json.") from None
    try:
        return _check_document(document, where)
    except ValueError as exc:
        raise KitUsageError(f"Could not use the OpenAPI document {path}: {exc}. "
                            "Save it from the server's /openapi.json.") from None
