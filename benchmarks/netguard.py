"""Keep a benchmark process off the network: only loopback addresses may be resolved or dialled.

Why: the benchmark builds every ogx built-in provider, and several default configs name
cloud hosts (``https://api.openai.com/v1`` ...). Config overrides point the ones we know
about at a closed loopback port, but an override we forgot must not turn into traffic, so
this guard refuses, at the socket layer, every name lookup and connection whose target is
not a loopback address, and records who tried (the benchmark reports the attempts per
provider). A DNS query is itself traffic, which is why ``getaddrinfo`` is guarded too, not
only ``connect``.

Limits: it covers Python sockets (``socket``, ``asyncio``, ``httpx``, ``openai``); a C
library with its own resolver and sockets (gRPC core) is not covered. None of the
providers that build here use one.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def _is_loopback_host(host: Any) -> bool:
    """True for loopback literals and the name ``localhost``; None means "any local"."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).strip("[]").split("%", 1)[0]
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NetGuard:
    """Process-wide egress refusal with a per-label record of refused attempts."""

    def __init__(self) -> None:
        self.label = "(setup)"
        self.blocked: dict[str, list[str]] = {}
        self._installed = False

    def _refuse(self, what: str) -> None:
        self.blocked.setdefault(self.label, []).append(what)

    def install(self) -> None:
        """Patch ``socket.getaddrinfo`` and ``socket.socket.connect[_ex]`` (idempotent)."""
        if self._installed:
            return
        self._installed = True
        guard = self
        real_getaddrinfo: Callable[..., Any] = socket.getaddrinfo
        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            if not _is_loopback_host(host):
                guard._refuse(f"resolve {host!r}")
                raise socket.gaierror(socket.EAI_NONAME, f"benchmark network guard: {host!r}")
            return real_getaddrinfo(host, *args, **kwargs)

        def allowed(sock: socket.socket, address: Any) -> bool:
            if sock.family not in (socket.AF_INET, socket.AF_INET6):
                return True  # AF_UNIX and friends stay on this machine
            host = address[0] if isinstance(address, tuple) and address else address
            if _is_loopback_host(host):
                return True
            guard._refuse(f"connect {address!r}")
            return False

        def connect(self: socket.socket, address: Any) -> None:
            if not allowed(self, address):
                raise ConnectionRefusedError(f"benchmark network guard: {address!r}")
            real_connect(self, address)

        def connect_ex(self: socket.socket, address: Any) -> int:
            if not allowed(self, address):
                return 111  # ECONNREFUSED
            return real_connect_ex(self, address)

        socket.getaddrinfo = getaddrinfo
        socket.socket.connect = connect  # type: ignore[method-assign,assignment]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
