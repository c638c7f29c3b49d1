"""Word a JSON Schema failure: the innermost error a provider author can act on, with its path.

``jsonschema`` reports a bad event of a 37-member union as "{...} is not valid under any of
the given schemas" at ``$``. The package's schemas carry pydantic's ``discriminator``
mapping, so the explanation follows it to the one branch the value claims to be (its
``type``) and reports that branch's errors instead; unions without one fall back to the
branch that failed least.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jsonschema itself is imported only when a value fails (see compiled.py)
    from jsonschema.exceptions import ValidationError as SchemaError

_MAX_DETAIL = 200


@dataclass(frozen=True)
class SchemaProblem:
    path: tuple[Any, ...]
    detail: str
    instance: Any


def _short(text: str) -> str:
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 3] + "..."


class Explainer:
    """Explains failures against one root schema (its ``$defs`` resolve branch references)."""

    def __init__(self, validator: Any) -> None:
        self.validator = validator
        self.root: dict[str, Any] = validator.schema
        self._branches: dict[str, Any] = {}

    def problems(self, data: Any) -> list[SchemaProblem]:
        found: list[SchemaProblem] = []
        for error in self.validator.iter_errors(data):
            found.extend(self._explain(error, ()))
        found.sort(key=lambda p: [str(x) for x in p.path])
        return found

    def _branch(self, ref: str) -> Any:
        validator = self._branches.get(ref)
        if validator is None:
            schema = {"$ref": ref, "$defs": self.root.get("$defs", {})}
            validator = type(self.validator)(schema)
            self._branches[ref] = validator
        return validator

    def _explain(self, error: SchemaError, prefix: tuple[Any, ...]) -> Iterator[SchemaProblem]:
        path = prefix + tuple(error.absolute_path)
        schema = error.schema if isinstance(error.schema, dict) else {}
        if error.validator in ("oneOf", "anyOf") and isinstance(error.instance, dict):
            discriminator = schema.get("discriminator")
            if isinstance(discriminator, dict) and "propertyName" in discriminator:
                yield from self._by_discriminator(error, discriminator, path)
                return
            if error.context:
                yield from self._closest_branch(error, prefix)
                return
        if error.context:
            from jsonschema.exceptions import best_match

            error = best_match([error])
            path = prefix + tuple(error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = next((p for p in error.validator_value if error.message.startswith(repr(p))), None)
            if missing is not None:  # point at the absent field, not at its parent
                yield SchemaProblem((*path, missing), _short(error.message), error.instance)
                return
        yield SchemaProblem(path, _short(error.message), error.instance)

    def _by_discriminator(
        self, error: SchemaError, discriminator: dict[str, Any], path: tuple[Any, ...]
    ) -> Iterator[SchemaProblem]:
        prop = discriminator["propertyName"]
        mapping = discriminator.get("mapping", {})
        tag = error.instance.get(prop)
        ref = mapping.get(tag) if isinstance(tag, str) else None
        if ref is None:
            known = ", ".join(sorted(mapping)[:8]) + (", ..." if len(mapping) > 8 else "")
            yield SchemaProblem((*path, prop), _short(f"{tag!r} is not a known {prop} (known: {known})"), tag)
            return
        inner = list(self._branch(ref).iter_errors(error.instance))
        if not inner:  # the branch accepts it: the union fails for another reason (oneOf overlap)
            yield SchemaProblem(path, _short(error.message), error.instance)
            return
        for sub in inner:
            yield from self._explain(sub, path)

    def _closest_branch(self, error: SchemaError, prefix: tuple[Any, ...]) -> Iterator[SchemaProblem]:
        """The branch with the fewest errors, preferring one whose constants matched."""
        groups: dict[Any, list[SchemaError]] = defaultdict(list)
        for sub in error.context or ():
            groups[sub.relative_schema_path[0] if sub.relative_schema_path else None].append(sub)

        def rank(errors: list[SchemaError]) -> tuple[int, int]:
            wrong_kind = any(e.validator in ("const", "enum", "type") and len(e.relative_path) <= 1 for e in errors)
            return (int(wrong_kind), len(errors))

        best = min(groups.values(), key=rank)
        for sub in best:
            yield from self._explain(sub, prefix)


def fast_sites(validator: Any, data: Any) -> list[tuple[Any, ...]]:
    """Where ``data`` fails, from the fast engine: paths only, following union branches.

    Used to list the places an erratum was needed, which must stay cheap because it runs on
    the first chunk of every stream. A union failure is followed into the branch that failed
    least, as ``Explainer`` does, so the paths are the leaves, not ``$``.
    """
    if hasattr(validator, "sites"):  # the pure-Python stand-in
        return list(validator.sites(data))
    return list(dict.fromkeys(_fast_leaves(validator.iter_errors(data))))


_KIND_MISMATCH = ("Constant", "Enum", "Type")


def _fast_leaves(errors: Any) -> Iterator[tuple[Any, ...]]:
    for error in errors:
        branches = getattr(error.kind, "context", None)
        if not branches:
            yield tuple(error.instance_path)
            continue
        depth = len(error.instance_path)

        def rank(branch: list[Any], depth: int = depth) -> tuple[int, int]:
            wrong_kind = any(
                type(e.kind).__name__ in _KIND_MISMATCH and len(e.instance_path) <= depth + 1 for e in branch
            )
            return (int(wrong_kind), len(branch))

        yield from _fast_leaves(min(branches, key=rank))
