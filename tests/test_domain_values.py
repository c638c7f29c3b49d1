"""Domain values (``llama_conformance.strategies.domain``) have the shapes they claim, and the
safety suite's drawn inputs reach them within the fast profile's budget.

The reach is measured the way the suite draws: ``run_examples`` with the ``fast`` profile and a
session seed, over 100 seeds, judged by an independent PII redactor (the one the
``safety-redacts-in-place`` fixture uses). Plain drawn text, what the suite drew before,
reaches it under none of them: that is why the fixture's defect went unseen.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llama_conformance.behaviour.examples import run_examples
from llama_conformance.behaviour.request_diff import changed_paths, describe_changes
from llama_conformance.redact import Redactor
from llama_conformance.strategies import domain
from llama_conformance.strategies.sampling import DISCARDED, draws
from llama_conformance.target.profiles import PROFILES
from llama_conformance_fixtures.broken._redaction import contains_pii
from llama_conformance_suites.safety.helpers import DRAWN_TEXT, MESSAGES, ROLES, moderation_inputs

CHECKED = settings(max_examples=150, database=None, deadline=None,  # a loaded CI machine draws slowly
                   suppress_health_check=[HealthCheck.too_slow])
SEEDS = range(100)


@CHECKED
@given(domain.ssns())
def test_ssns_are_issued_shapes(ssn: str) -> None:
    match = re.fullmatch(r"(\d{3})([- ])(\d{2})\2(\d{4})", ssn)
    assert match, ssn
    area, group, serial = int(match[1]), int(match[3]), int(match[4])
    assert 0 < area < 900 and area != 666 and group > 0 and serial > 0, ssn


@CHECKED
@given(domain.card_numbers())
def test_card_numbers_are_luhn_valid(card: str) -> None:
    digits = re.sub(r"[ -]", "", card)
    assert digits.isdigit() and len(digits) in (15, 16), card
    assert domain.luhn_valid(card) and not domain.luhn_valid(digits[:-1] + str((int(digits[-1]) + 1) % 10))


def test_luhn_and_iban_checks_agree_with_published_examples() -> None:
    assert domain.luhn_valid("4111 1111 1111 1111") and not domain.luhn_valid("4111 1111 1111 1112")
    assert domain.iban_valid("GB82 WEST 1234 5698 7654 32") and domain.iban_valid("DE89370400440532013000")
    assert not domain.iban_valid("DE89370400440532013001")


@CHECKED
@given(domain.ibans())
def test_ibans_have_valid_check_digits(iban: str) -> None:
    assert domain.iban_valid(iban), iban


@CHECKED
@given(domain.emails(), domain.phone_numbers())
def test_emails_and_phone_numbers_have_their_shapes(email: str, phone: str) -> None:
    assert re.fullmatch(r"[a-z0-9]+(?:[._+][a-z0-9]+)?@[a-z0-9]+\.[a-z.]+", email), email
    assert 10 <= len(re.sub(r"\D", "", phone)) <= 13 and re.fullmatch(r"[+\d ().-]+", phone), phone


@CHECKED
@given(domain.injection_phrases(), domain.insecure_code())
def test_injections_and_code_carry_their_patterns(phrase: str, code: str) -> None:
    assert re.search(r"ignore|disregard|forget|override|dan|instructions|pretend|<system>", phrase, re.I), phrase
    assert re.search(r"eval\(|os\.system|shell=True|pickle\.loads|hashlib\.(md5|sha1)|execute\(|strcpy|"
                     r"AKIA[A-Z2-7]{16}|ghp_\w{36}", code), code


@CHECKED
@given(st.data())
def test_embedded_keeps_the_value_whole_and_whitespace_bounded(data: st.DataObject) -> None:
    value = data.draw(domain.pii())
    text = data.draw(domain.embedded(st.just(value), DRAWN_TEXT))
    at = text.index(value)
    assert at == 0 or text[at - 1].isspace()
    assert at + len(value) == len(text) or text[at + len(value)] == " "


def test_salted_mixes_at_the_requested_rate() -> None:
    marker = "kit-domain-value"
    for percent in (0, 25, 50, 100):
        texts = list(draws(domain.salted(DRAWN_TEXT, st.just(marker), percent=percent), 400, seed=0))
        rate = sum(marker in t for t in texts) / len(texts)
        assert abs(rate - percent / 100) < 0.1, (percent, rate)
    with pytest.raises(ValueError, match="0-100"):
        domain.salted(DRAWN_TEXT, percent=101)


def test_domain_values_are_mostly_pii() -> None:
    # Half the values are drawn as PII; a drawn value's shape depends on the engine's state (Hypothesis mixes
    # in constants it collects), so the share is judged loosely: a large part, never nearly all or none.
    values = [v for v in draws(domain.domain_values(), 600, seed=0) if v is not DISCARDED]
    assert 0.3 < sum(contains_pii(v) for v in values) / len(values) < 0.7


def _reaches_pii(strategy: st.SearchStrategy[Any], texts_of: Callable[[Any], list[str]], seed: int) -> bool:
    """Whether some example of a fast-profile run with ``seed`` holds a PII shape."""
    seen: list[bool] = []
    run_examples(strategy, lambda example: seen.append(any(map(contains_pii, texts_of(example)))),
                 profile=PROFILES["fast"], session_seed=seed)
    return any(seen)


def _seeds_reaching_pii(strategy: st.SearchStrategy[Any], texts_of: Callable[[Any], list[str]]) -> int:
    return sum(_reaches_pii(strategy, texts_of, seed) for seed in SEEDS)


def test_the_fast_profile_reaches_pii_in_run_shield_inputs_for_every_seed() -> None:
    """The suite's run_shield messages hold a PII shape in some example of every seed's fast
    run; the drawn text it used before holds none in any seed (so a redaction defect was invisible)."""
    def contents(messages: list[dict]) -> list[str]:
        return [m["content"] for m in messages]

    assert _seeds_reaching_pii(MESSAGES, contents) == len(SEEDS)
    plain = st.lists(st.fixed_dictionaries({"role": st.sampled_from(ROLES), "content": DRAWN_TEXT}),
                     min_size=1, max_size=4)
    assert _seeds_reaching_pii(plain, contents) == 0


def test_the_fast_profile_reaches_pii_in_moderation_inputs() -> None:
    reached = _seeds_reaching_pii(moderation_inputs(("Hello!",)), lambda i: i if isinstance(i, list) else [i])
    assert reached >= 0.97 * len(SEEDS), reached


def test_request_diff_names_the_path_and_the_change() -> None:
    before = {"shield_id": "s", "messages": [{"role": "user", "content": "hi"},
                                             {"role": "user", "content": "x" * 60 + " my SSN is 123-45-6789 ok"}]}
    after = {"shield_id": "s", "messages": [{"role": "user", "content": "hi"},
                                            {"role": "user", "content": "x" * 60 + " my SSN is [REDACTED] ok"}]}
    assert [p for p, _, _ in changed_paths(before, after)] == ["messages[1].content"]
    text = describe_changes(before, after, Redactor({"6789"}))
    assert text.startswith("messages[1].content: '...") and "'123-45-***' became '[REDACTED]" not in text
    assert "my SSN is 123-45-*** ok'" in text and "my SSN is [REDACTED] ok'" in text, text
    assert changed_paths({"a": [1]}, {"a": [1, 2]}) == [("a", [1], [1, 2])]
    assert "b: (absent) became 1" in describe_changes({}, {"b": 1})
