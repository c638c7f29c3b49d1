"""Is one annotation compatible with another, after normalising spelling?

The structural suite compares a provider's annotations with the protocol's. Spelling must
not matter (``Optional[X]`` is ``X | None``, ``List`` is ``list``, ``typing.AsyncIterator``
is ``collections.abc.AsyncIterator``, ``Annotated`` metadata is ignored), variance must
(a parameter may be widened, a return type narrowed). Anything the kit cannot decide —
an unresolved forward reference, a TypeVar, an exotic form — counts as compatible: a
structural check must never raise a false alarm on what it does not understand.
"""

from __future__ import annotations

import collections.abc
import types
import typing
from typing import Any


class Unknown:
    """Stands for an annotation the kit could not resolve (compatible with everything)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def normalize(tp: Any) -> Any:
    """A canonical form: unions flattened to frozensets, generics as ``(origin, args)``."""
    if tp is None or tp is type(None):
        return type(None)
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return normalize(typing.get_args(tp)[0])
    if _is_union(tp):
        members: set[Any] = set()
        for arg in typing.get_args(tp):
            norm = normalize(arg)
            if isinstance(norm, frozenset):
                members |= norm
            else:
                members.add(norm)
        return frozenset(members) if len(members) > 1 else next(iter(members))
    if origin is not None:
        args = tuple(normalize(a) for a in typing.get_args(tp))
        return (origin, args)  # typing.List[int] and list[int] share the origin list
    return tp


def _unknowable(tp: Any) -> bool:
    return (
        tp is Any
        or tp is typing.Any
        or isinstance(tp, Unknown | typing.TypeVar | str | typing.ForwardRef)
        or tp is Ellipsis
    )


def is_subtype(sub: Any, sup: Any) -> bool:
    """True unless ``sub`` is certainly not usable where ``sup`` is expected."""
    return _subtype(normalize(sub), normalize(sup))


def _subtype(sub: Any, sup: Any) -> bool:
    if _unknowable(sub) or _unknowable(sup) or sub == sup:
        return True
    if isinstance(sub, frozenset):
        return all(_subtype(member, sup) for member in sub)
    if isinstance(sup, frozenset):
        return any(_subtype(sub, member) for member in sup)
    if isinstance(sup, tuple) and sup[0] is typing.Literal:
        return isinstance(sub, tuple) and sub[0] is typing.Literal and set(sub[1]) <= set(sup[1])
    if isinstance(sub, tuple) and sub[0] is typing.Literal:
        # Literal["a"] is usable where str is expected.
        sup_class = sup[0] if isinstance(sup, tuple) else sup
        return isinstance(sup_class, type) and all(isinstance(v, sup_class) for v in sub[1])
    sub_origin, sub_args = sub if isinstance(sub, tuple) else (sub, ())
    sup_origin, sup_args = sup if isinstance(sup, tuple) else (sup, ())
    if not _class_subtype(sub_origin, sup_origin):
        return False
    if not sub_args or not sup_args or len(sub_args) != len(sup_args):
        return True  # a bare generic on either side says nothing about its arguments
    if sup_origin is collections.abc.Callable:
        return True
    return all(_subtype(a, b) for a, b in zip(sub_args, sup_args, strict=True))


def _class_subtype(sub: Any, sup: Any) -> bool:
    if sub is sup or sup is object:
        return True
    if not (isinstance(sub, type) and isinstance(sup, type)):
        return True  # special forms the kit does not model
    if sup is float and sub is int:
        return True  # PEP 484 numeric tower
    if getattr(sup, "_is_protocol", False) and not getattr(sub, "_is_protocol", False):
        # A concrete class may satisfy a protocol structurally; a name check is the most
        # the kit can afford here without false alarms.
        return True
    try:
        return issubclass(sub, sup)
    except TypeError:
        return True


def describe(tp: Any) -> str:
    """Readable spelling of an annotation for failure messages."""
    if tp is None or tp is type(None):
        return "None"
    if isinstance(tp, type) and typing.get_origin(tp) is None:
        return tp.__qualname__
    text = repr(tp)
    return text.replace("typing.", "").replace("collections.abc.", "")
