"""Annotation compatibility: spelling never matters, variance does, unknowns never accuse."""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator

from llama_conformance.contract.typecompat import Unknown, is_subtype


class Base: ...


class Child(Base): ...


def test_optional_spellings_are_equal() -> None:
    assert is_subtype(typing.Optional[int], int | None)  # noqa: UP045 - the point of the test
    assert is_subtype(int | None, typing.Optional[int])  # noqa: UP045


def test_typing_aliases_equal_builtins() -> None:
    assert is_subtype(typing.List[int], list[int])  # noqa: UP006
    assert is_subtype(typing.AsyncIterator[int], AsyncIterator[int])


def test_narrower_is_a_subtype_and_wider_is_not() -> None:
    assert is_subtype(Child, Base)
    assert not is_subtype(Base, Child)
    assert is_subtype(Child, Base | None)
    assert not is_subtype(Base | None, Child)
    assert not is_subtype(str, Base)


def test_unions_and_generics_are_compared_memberwise() -> None:
    assert is_subtype(Child | AsyncIterator[Child], Base | AsyncIterator[Base])
    assert not is_subtype(dict[str, int], Base | AsyncIterator[Base])


def test_literals_fit_their_base_type() -> None:
    assert is_subtype(typing.Literal["a"], str)
    assert is_subtype(typing.Literal["a"], typing.Literal["a", "b"])
    assert not is_subtype(typing.Literal["c"], typing.Literal["a", "b"])


def test_unknown_annotations_are_compatible() -> None:
    assert is_subtype(Unknown("SomeForwardRef"), Base)
    assert is_subtype(typing.Any, Base)
    assert is_subtype(Base, typing.Any)
