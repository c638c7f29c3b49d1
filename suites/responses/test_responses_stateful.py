"""Responses as a state machine: creates, chains, retrievals, deletes and lists in any order
must agree with a model of what is stored (deleted responses stay gone, the others stay).

A chain links responses, so this is where a delete that reaches past its own response, or a
chain that breaks when its parent goes, shows up; single-call tests never mix them.

The listing is compared on every ``SWEEP_EVERY``-th step that changed the model (a create, a chain, a
delete; never after the reads between them) and once more in teardown. The teardown's comparison is what
makes that enough: whatever the listing gets wrong by the end of a sequence fails it there, and Hypothesis
then shrinks the sequence to the shortest that fails, so a defect that lasts (a listing that drops a chained
response, a delete that cascades) is still found. One that comes and goes shows only if it is there at an
8th change or at the end: with the fast profile's 12 steps, a sequence seldom reaches 8 changes, so there the
listing is compared mostly in teardown. A page of up to a hundred responses is the dearest read of any state
machine: listed after every change, it was 28-31 % of a thorough run (issue 18: invariants <= 20 %).
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, precondition, rule

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.behaviour.examples import SWEEP_EVERY, tear_down
from llama_conformance_suites.responses.checks import STATEFUL
from llama_conformance_suites.responses.helpers import as_json, by_id, create, list_page, listed_ids, output_text

pytestmark = [pytest.mark.stateful, pytest.mark.api("responses")]

CHECK = STATEFUL
WORDS = st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "seven", "teal"]), min_size=1, max_size=4)


class ResponsesMachine(RuleBasedStateMachine):
    kit: Kit
    stored = Bundle("stored")
    deleted = Bundle("deleted")

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[str, str] = {}  # response id -> its output text
        self.gone: set[str] = set()
        self.changes = 0  # steps that changed the model since the listing was last compared with it

    def _keep(self, outcome, what: str) -> str:
        self.kit.judge.answered(outcome, CHECK)
        answer = as_json(self.kit, outcome.value)
        response_id = answer["id"]
        self.kit.judge.check(response_id not in self.model and response_id not in self.gone, CHECK,
                             f"{what} returned id {response_id!r}, which was already used.")
        self.model[response_id] = output_text(answer)
        self.changes += 1
        return response_id

    @rule(target=stored, words=WORDS)
    def create(self, words: list[str]) -> str:
        return self._keep(create(self.kit, " ".join(words)), "create")

    @rule(target=stored, parent=stored, words=WORDS)
    def chain(self, parent: str, words: list[str]) -> str:
        outcome = create(self.kit, " ".join(words), previous_response_id=parent)
        if parent in self.gone:
            self.kit.judge.no_hang(outcome)
            self.kit.judge.check(outcome.error is not None, CHECK,
                                 f"a response chained to the deleted {parent} was created.")
            return parent
        return self._keep(outcome, f"create with previous_response_id={parent}")

    @rule(response_id=stored)
    def retrieve(self, response_id: str) -> None:
        outcome = by_id(self.kit, "get_openai_response", response_id)
        if response_id in self.gone:
            self.kit.judge.no_hang(outcome)
            self.kit.judge.check(outcome.error is not None, CHECK, f"retrieve({response_id}) succeeded after delete.")
            return
        self.kit.judge.answered(outcome, CHECK)
        text = output_text(as_json(self.kit, outcome.value))
        self.kit.judge.check(text == self.model[response_id], CHECK,
                             f"retrieve({response_id}) says {text[:60]!r}; create said "
                             f"{self.model[response_id][:60]!r}.")

    @rule(target=deleted, response_id=consumes(stored))
    def delete(self, response_id: str) -> str:
        outcome = by_id(self.kit, "delete_openai_response", response_id)
        if response_id in self.gone:
            self.kit.judge.no_hang(outcome)
            self.kit.judge.check(outcome.error is not None, CHECK, f"deleting {response_id} again succeeded.")
            return response_id
        self.kit.judge.answered(outcome, CHECK)
        del self.model[response_id]
        self.gone.add(response_id)
        self.changes += 1
        return response_id

    @rule(response_id=deleted)
    def deleted_stays_gone(self, response_id: str) -> None:
        outcome = by_id(self.kit, "get_openai_response", response_id)
        self.kit.judge.no_hang(outcome)
        self.kit.judge.check(outcome.error is not None, CHECK, f"retrieve({response_id}) succeeded after delete.")

    @invariant()
    @precondition(lambda self: self.changes >= SWEEP_EVERY)
    def listing_matches_model(self) -> None:
        self._compare_listing()

    def _compare_listing(self) -> None:
        """The listing names every stored response and no deleted one (the invariant's, and the teardown's)."""
        self.changes = 0
        outcome = list_page(self.kit, limit=100)
        self.kit.judge.answered(outcome, CHECK)
        listed = set(listed_ids(self.kit, outcome))
        missing = sorted(set(self.model) - listed)
        resurrected = sorted(self.gone & listed)
        self.kit.judge.check(not missing, CHECK, f"list misses stored responses {missing}.")
        self.kit.judge.check(not resurrected, CHECK, f"list shows deleted responses {resurrected}.")

    def teardown(self) -> None:
        # a read's effect on the listing shows even with no change after it; what the machine made goes either way
        tear_down(self._compare_listing, lambda made: by_id(self.kit, "delete_openai_response", made),
                  self.model)


@pytest.mark.checks(STATEFUL, *ANSWER)
def test_responses_state_machine(llama_kit: Kit) -> None:
    """responses.stateful"""
    llama_kit.run_machine(ResponsesMachine)
