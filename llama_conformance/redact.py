"""Keep configuration secrets out of everything the kit prints or writes.

Secrets are the values of ``SecretStr`` config fields and of every environment variable a
config references. Redaction happens where text leaves the kit (failure messages, the
terminal summary, reports), including text a provider wrote itself, such as an exception
message that echoes its API key.
"""

from __future__ import annotations

from typing import Any

REDACTED = "***"
_MIN_SECRET_LENGTH = 4  # shorter values ("1", "true") would shred ordinary text


class Redactor:
    """Replaces every known secret in a string with ``***``."""

    def __init__(self, secrets: set[str] | None = None) -> None:
        self._secrets: set[str] = set()
        self.add(secrets or set())

    def add(self, secrets: set[str]) -> None:
        self._secrets |= {s for s in secrets if isinstance(s, str) and len(s) >= _MIN_SECRET_LENGTH}

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def data(self, value: Any) -> Any:
        """``value`` (JSON-like data) with every string redacted."""
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(v) for v in value]
        return self(value) if isinstance(value, str) else value

    def __bool__(self) -> bool:
        return bool(self._secrets)
