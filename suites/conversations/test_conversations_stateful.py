"""Conversations as a state machine: any sequence of creates, metadata updates, item adds and
deletes, and conversation deletes must agree with a model (items in insertion order, deleted
things stay gone). The files machine's pattern: a dict model, one rule per operation, an
invariant after every step, teardown that deletes what the machine created.

The invariant reads back the conversations the last step touched, and every conversation on every
``SWEEP_EVERY``-th step and before teardown (``behaviour.examples.Sweep``): a defect in the step's own
conversation is caught at that step, one that reaches into another conversation (cross-talk) within a
few steps. The API has no listing that shows them all at once.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.behaviour.examples import Sweep, tear_down
from llama_conformance.behaviour.steps import METADATA
from llama_conformance_suites.conversations.checks import STATEFUL
from llama_conformance_suites.conversations.helpers import TEXTS, all_items, delete, item_text, message

pytestmark = [pytest.mark.stateful, pytest.mark.api("conversations")]

CHECK = STATEFUL


class ConversationsMachine(RuleBasedStateMachine):
    kit: Kit
    conversations = Bundle("conversations")

    def __init__(self) -> None:
        super().__init__()
        self.metadata: dict[str, dict[str, str]] = {}
        self.items: dict[str, list[tuple[str, str]]] = {}  # id -> [(item id, text)] in insertion order
        self.gone: set[str] = set()
        self.sweep = Sweep()  # which conversations the invariant reads back

    @rule(target=conversations, metadata=METADATA, texts=st.lists(TEXTS, max_size=2))
    def create(self, metadata: dict[str, str], texts: list[str]) -> str:
        outcome = self.kit.ask("create_conversation", metadata=metadata or None,
                               items=[message("user", t) for t in texts])
        self.kit.judge.answered(outcome, CHECK)
        conversation_id = outcome.value.id
        self.kit.judge.check(conversation_id not in self.items and conversation_id not in self.gone, CHECK,
                             f"create returned id {conversation_id!r}, which was already used.")
        self.metadata[conversation_id] = metadata  # its items are read back below; its metadata at the next sweep
        listed = all_items(self.kit, conversation_id, CHECK)
        self.items[conversation_id] = [(i.id, item_text(i) or "") for i in listed]
        self.kit.judge.check([t for _, t in self.items[conversation_id]] == texts, CHECK,
                             f"created with items {texts!r}, list_items shows "
                             f"{[t for _, t in self.items[conversation_id]]!r}.")
        return conversation_id

    @rule(conversation_id=conversations, metadata=METADATA)
    def update(self, conversation_id: str, metadata: dict[str, str]) -> None:
        outcome = self.kit.ask_with("update_conversation", {"metadata": metadata}, conversation_id=conversation_id)
        if conversation_id in self.gone:
            self.kit.judge.check(outcome.error is not None, CHECK,
                                 f"update of deleted conversation {conversation_id} succeeded.")
            return
        self.kit.judge.answered(outcome, CHECK)
        self.metadata[conversation_id] = metadata
        self.sweep.touch(conversation_id)

    @rule(conversation_id=conversations, texts=st.lists(TEXTS, min_size=1, max_size=2))
    def add(self, conversation_id: str, texts: list[str]) -> None:
        outcome = self.kit.ask_with("add_items", {"items": [message("user", t) for t in texts]},
                                    conversation_id=conversation_id)
        if conversation_id in self.gone:
            self.kit.judge.check(outcome.error is not None, CHECK,
                                 f"add_items to deleted conversation {conversation_id} succeeded.")
            return
        self.kit.judge.answered(outcome, CHECK)
        self.items[conversation_id] += [(i.id, item_text(i) or "") for i in outcome.value.data]
        self.sweep.touch(conversation_id)

    @rule(conversation_id=conversations, pick=st.integers(0, 10))
    def delete_item(self, conversation_id: str, pick: int) -> None:
        if conversation_id in self.gone or not self.items[conversation_id]:
            return
        item_id, _ = self.items[conversation_id].pop(pick % len(self.items[conversation_id]))
        self.sweep.touch(conversation_id)
        outcome = self.kit.ask("openai_delete_conversation_item", conversation_id=conversation_id, item_id=item_id)
        self.kit.judge.answered(outcome, CHECK)

    @rule(conversation_id=consumes(conversations))
    def delete(self, conversation_id: str) -> None:
        outcome = delete(self.kit, conversation_id)
        if conversation_id in self.gone:
            self.kit.judge.check(outcome.error is not None, CHECK,
                                 f"deleting {conversation_id} a second time succeeded.")
            return
        self.kit.judge.answered(outcome, CHECK)
        self.gone.add(conversation_id)
        del self.items[conversation_id], self.metadata[conversation_id]
        after = self.kit.ask("get_conversation", conversation_id=conversation_id)
        self.kit.judge.no_hang(after)
        self.kit.judge.check(after.error is not None, CHECK,
                             f"get_conversation({conversation_id}) succeeded after delete.")

    @invariant()
    def conversations_match_model(self) -> None:
        self._read_back()

    def _read_back(self, *, everything: bool = False) -> None:
        """Each conversation the sweep says is due (``everything``: each the model holds) agrees with the model."""
        for conversation_id, expected in self.sweep.due(self.items, everything=everything).items():
            got = self.kit.ask("get_conversation", conversation_id=conversation_id)
            self.kit.judge.answered(got, CHECK)
            self.kit.judge.check((got.value.metadata or {}) == self.metadata[conversation_id], CHECK,
                                 f"{conversation_id} has metadata {got.value.metadata!r}, "
                                 f"the model says {self.metadata[conversation_id]!r}.")
            listed = [(i.id, item_text(i) or "") for i in all_items(self.kit, conversation_id, CHECK)]
            self.kit.judge.check(listed == expected, CHECK,
                                 f"{conversation_id} lists items {listed}, the model says {expected}.")

    def teardown(self) -> None:
        # the last steps are read back whole, whatever the step count; what the machine made goes either way
        tear_down(lambda: self._read_back(everything=True), lambda made: delete(self.kit, made), self.items)


@pytest.mark.checks(STATEFUL, *ANSWER)
def test_conversations_state_machine(llama_kit: Kit) -> None:
    """conversations.stateful"""
    llama_kit.run_machine(ConversationsMachine)
