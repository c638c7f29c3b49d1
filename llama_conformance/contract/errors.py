"""How the server would answer an exception a provider raised: the status code it maps to.

Both servers translate provider exceptions the same way (``core/exceptions/translation.py``
in ogx 1.5 and llama-stack 0.7.3): pydantic ``ValidationError`` -> 400, the API package's
base error -> its ``status_code``, ``ValueError`` -> 400, ``PermissionError`` -> 403,
``ConnectionError`` -> 502, ``TimeoutError`` -> 504, ``NotImplementedError`` -> 501, any
exception carrying an ``int`` ``status_code`` (SDK errors) -> that code, everything else ->
500; llama-stack 0.2's server had a shorter table (``_PRESPLIT_STATUS``). The kit judges an
exception by the answer a client would get: a *typed* error is one
that becomes a 4xx (or a 501 for an unimplemented capability); a ``KeyError`` that becomes
"500 Internal server error" is a provider defect.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass

import pydantic

from llama_conformance.contract.packages import ApiPackage

# The server's EXCEPTION_MAP, in MRO-lookup order.
_BUILTIN_STATUS: dict[type[BaseException], int] = {
    ValueError: 400,
    PermissionError: 403,
    ConnectionError: 502,
    TimeoutError: 504,
    asyncio.TimeoutError: 504,
    NotImplementedError: 501,
}


@dataclass(frozen=True)
class ErrorAnswer:
    """What a client would receive for an exception: status and the class that decided it."""

    status: int
    exception: str
    rule: str

    @property
    def client_error(self) -> bool:
        return 400 <= self.status < 500

    @property
    def not_implemented(self) -> bool:
        return self.status == 501

    @property
    def server_error(self) -> bool:
        return self.status >= 500 and not self.not_implemented


@functools.cache
def package_error_base(package: ApiPackage) -> type[Exception] | None:
    """The package's root error class (``OGXError`` / ``LlamaStackError``), if it has one."""
    try:
        errors = package.submodule("common.errors")
    except ImportError:
        return None
    not_found = getattr(errors, "ResourceNotFoundError", None)
    if not_found is None:
        return None
    # The root is the last class of the package's own module before Exception.
    roots = [cls for cls in not_found.__mro__ if cls.__module__ == errors.__name__]
    if not roots or issubclass(roots[-1], ValueError):
        return None  # llama-stack-api 0.4 / 0.5: no root error carrying a status (see _NAMED_STATUS)
    return roots[-1]


# llama-stack 0.4 / 0.5 had no root error: their errors derive from ValueError and carry no status,
# and the server named two of them before ValueError (core/server/server.py translate_exception:
# ConflictError -> 409, ResourceNotFoundError -> 404). Newer packages' root error covers both.
_NAMED_STATUS = (("ConflictError", 409), ("ResourceNotFoundError", 404))


def _named_answer(exc: BaseException, package: ApiPackage) -> ErrorAnswer | None:
    try:
        errors = package.submodule("common.errors")
    except ImportError:
        return None
    for class_name, status in _NAMED_STATUS:
        cls = getattr(errors, class_name, None)
        if isinstance(cls, type) and isinstance(exc, cls):
            return ErrorAnswer(status, type(exc).__name__, class_name)
    return None


# llama-stack 0.2's server (llama_stack/distribution/server/server.py:99-133 in 0.2.14, translate_exception)
# knows no error of the API's own and no 404 at all: ValidationError and ValueError -> 400, openai's
# BadRequestError -> 400, PermissionError and its AccessDeniedError -> 403, TimeoutError -> 504,
# NotImplementedError -> 501, its AuthenticationRequiredError -> 401, anything else (ConnectionError and a
# ``status_code`` attribute included) -> 500. A typed error there is one of these: an unknown id answered with
# ValueError (what its own providers raise, inline/files/localfs/files.py:158) is that generation's not-found.
_PRESPLIT_STATUS: tuple[tuple[str, int], ...] = (
    ("builtins.ValueError", 400),
    ("openai.BadRequestError", 400),
    ("builtins.PermissionError", 403),
    ("llama_stack.distribution.access_control.access_control.AccessDeniedError", 403),
    ("builtins.TimeoutError", 504),
    ("builtins.NotImplementedError", 501),
    ("llama_stack.distribution.datatypes.AuthenticationRequiredError", 401),
)


def _presplit_answer(exc: BaseException) -> ErrorAnswer:
    """llama-stack 0.2's ``translate_exception`` (``_PRESPLIT_STATUS``), read by class names along the MRO so
    that neither ``openai`` nor the server's modules need importing here."""
    names = {f"{cls.__module__}.{cls.__qualname__}": cls.__name__ for cls in type(exc).__mro__}
    for dotted, status in _PRESPLIT_STATUS:
        if dotted in names:
            return ErrorAnswer(status, type(exc).__name__, names[dotted])
    return ErrorAnswer(500, type(exc).__name__, "unmapped exception")


def error_answer(exc: BaseException, package: ApiPackage) -> ErrorAnswer:
    """The status the server would send for ``exc`` (see the module docstring)."""
    name = type(exc).__name__
    if isinstance(exc, pydantic.ValidationError):
        return ErrorAnswer(400, name, "pydantic ValidationError")
    if package.row.namespace is not None:  # the pre-split generation: its own server's table
        return _presplit_answer(exc)
    base = package_error_base(package)
    if base is not None and isinstance(exc, base):
        status = getattr(exc, "status_code", 500)
        return ErrorAnswer(int(status) if isinstance(status, int) else 500, name, base.__name__)
    if base is None and (named := _named_answer(exc, package)) is not None:
        return named
    for cls in type(exc).__mro__:
        if cls in _BUILTIN_STATUS:
            return ErrorAnswer(_BUILTIN_STATUS[cls], name, cls.__name__)
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return ErrorAnswer(status, name, "status_code attribute")
    return ErrorAnswer(500, name, "unmapped exception")
