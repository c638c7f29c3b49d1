"""VectorIO as a state machine: any sequence of store creates / deletes, chunk inserts and
queries must agree with a model of which stores exist and which chunks each holds.

Queries name a chunk's exact text, so its own store must rank it first and no other
store may return it; deleted stores stay gone; the store listing matches the model, compared
after every step that created or deleted a store and once more in teardown (the files machine's
pattern).
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, precondition, rule

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.behaviour.examples import tear_down
from llama_conformance_suites.vector_io import helpers as vio
from llama_conformance_suites.vector_io.checks import STATEFUL

pytestmark = [pytest.mark.stateful, pytest.mark.api("vector_io")]

CHECK = STATEFUL
MAX_LIVE = 3
WORDS = st.lists(st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=3, max_size=8),
                 min_size=2, max_size=5).map(" ".join)


class VectorIOMachine(RuleBasedStateMachine):
    kit: Kit
    stores = Bundle("stores")

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[str, dict[str, str]] = {}  # store id -> chunk id -> text
        self.handles: dict[str, vio.Store] = {}
        self.gone: set[str] = set()
        self.sequence = 0
        self.changed = False  # a store was created or deleted since the listing was last compared

    # A few live stores tell a leak as well as many, and each store is tables and files on a
    # real backend: keep the machine quick.
    @precondition(lambda self: len(self.model) - len(self.gone) < MAX_LIVE)
    @rule(target=stores)
    def create(self) -> str:
        store = vio.created_store(self.kit, CHECK, name=f"kit-state-{len(self.handles)}")
        self.kit.judge.check(store.id not in self.handles, CHECK, f"create returned id {store.id!r} again.")
        self.handles[store.id] = store
        self.model[store.id] = {}
        self.changed = True
        return store.id

    @rule(store_id=stores, text=WORDS)
    def insert(self, store_id: str, text: str) -> None:
        if store_id in self.gone or text in self.model[store_id].values():
            return
        self.sequence += 1
        chunk_id = f"kit-state-chunk-{self.sequence}"
        chunk = vio.embedded_chunk(self.kit, self.handles[store_id], text, chunk_id)
        self.kit.judge.answered(vio.insert(self.kit, store_id, [chunk]), CHECK)
        self.model[store_id][chunk_id] = text

    @rule(store_id=stores)
    def query(self, store_id: str) -> None:
        if store_id in self.gone or not self.model[store_id]:
            return
        chunk_id, text = next(iter(self.model[store_id].items()))
        found = vio.query(self.kit, store_id, text, max_chunks=3)
        self.kit.judge.answered(found, CHECK)
        ids = [c.chunk_id for c in found.value.chunks]
        self.kit.judge.check(bool(ids) and ids[0] == chunk_id, CHECK,
                             f"querying {store_id} for the text of {chunk_id} ranks {ids} first.")
        strangers = sorted(set(ids) - set(self.model[store_id]))
        self.kit.judge.check(not strangers, CHECK, f"{store_id} returned chunks it never held: {strangers}.")

    @rule(store_id=consumes(stores))
    def delete(self, store_id: str) -> None:
        if store_id in self.gone:
            return
        outcome = vio.delete_store(self.kit, store_id)
        self.kit.judge.answered(outcome, CHECK)
        self.gone.add(store_id)
        self.changed = True
        after = vio.call(self.kit, "openai_retrieve_vector_store", vector_store_id=store_id)
        self.kit.judge.no_hang(after)
        self.kit.judge.check(after.error is not None, CHECK, f"retrieve({store_id}) succeeded after delete.")

    @invariant()
    @precondition(lambda self: self.changed)
    def listing_matches_model(self) -> None:
        self.changed = False
        outcome = vio.list_stores(self.kit, limit=100)
        self.kit.judge.answered(outcome, CHECK)
        listed = {s.id for s in outcome.value.data}
        live = set(self.model) - self.gone
        self.kit.judge.check(live <= listed, CHECK, f"list misses existing stores {sorted(live - listed)}.")
        shown = sorted(self.gone & listed)
        self.kit.judge.check(not shown, CHECK, f"list shows deleted stores {shown}.")

    def teardown(self) -> None:
        # a read's effect on the listing shows even with no change after it; what the machine made goes either way
        tear_down(self.listing_matches_model, lambda made: vio.delete_store(self.kit, made),
                  set(self.model) - self.gone)


@pytest.mark.checks(STATEFUL, *ANSWER)
def test_vector_io_state_machine(llama_kit: Kit) -> None:
    """vector_io.stateful"""
    llama_kit.run_machine(VectorIOMachine)
