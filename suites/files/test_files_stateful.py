"""Files as a state machine: any sequence of uploads, retrievals, lists and deletes must
agree with a model of what exists (deleted files stay gone, lists match, bytes round-trip).

The pattern other CRUD APIs reuse: a dict model, one rule per operation, an invariant that
compares the provider's list with the model, and teardown that deletes what the machine
created. The listing is compared after every step that changed the model (an upload, a
delete), not after the reads between them: a read has nothing new for the list to show, so
listing after it spent a third of a thorough run (issue 18) to ask the same question again.
A provider whose read changes what exists is still caught, by the later reads and lists, and by
the listing teardown compares once more (unless a step failed).
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, precondition, rule

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.behaviour.examples import tear_down
from llama_conformance.behaviour.steps import response_bytes
from llama_conformance_suites.files.checks import STATEFUL
from llama_conformance_suites.files.helpers import by_id, list_page, upload_file, upload_purposes

pytestmark = [pytest.mark.stateful, pytest.mark.api("files")]


class FilesMachine(RuleBasedStateMachine):
    kit: Kit
    files = Bundle("files")
    deleted = Bundle("deleted")

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[str, bytes] = {}
        self.gone: set[str] = set()
        self.purposes = upload_purposes(self.kit)
        self.changed = False  # the model changed since the listing was last compared with it

    @rule(target=files, content=st.binary(min_size=1, max_size=512), purpose_index=st.integers(0, 5))
    def upload(self, content: bytes, purpose_index: int) -> str:
        purpose = self.purposes[purpose_index % len(self.purposes)]
        outcome, _ = upload_file(self.kit, content, f"state-{len(self.model)}.bin", purpose)
        self.kit.judge.answered(outcome, STATEFUL)
        file_id = outcome.value.id
        self.kit.judge.check(file_id not in self.model and file_id not in self.gone, STATEFUL,
                             f"upload returned id {file_id!r}, which was already used.")
        self.model[file_id] = content
        self.changed = True
        return file_id

    @rule(file_id=files)
    def retrieve(self, file_id: str) -> None:
        if file_id in self.gone:
            return
        outcome = by_id(self.kit, "openai_retrieve_file", file_id)
        self.kit.judge.answered(outcome, STATEFUL)
        self.kit.judge.check(outcome.value.bytes == len(self.model[file_id]), STATEFUL,
                             f"retrieve({file_id}) says {outcome.value.bytes} bytes; "
                             f"{len(self.model[file_id])} were uploaded.")

    @rule(file_id=files)
    def content(self, file_id: str) -> None:
        if file_id in self.gone:
            return
        outcome = by_id(self.kit, "openai_retrieve_file_content", file_id)
        self.kit.judge.answered(outcome, STATEFUL)
        self.kit.judge.check(response_bytes(self.kit, outcome.value) == self.model[file_id], STATEFUL,
                             f"content({file_id}) differs from the uploaded bytes.")

    @rule(target=deleted, file_id=consumes(files))
    def delete(self, file_id: str) -> str:
        outcome = by_id(self.kit, "openai_delete_file", file_id)
        if file_id in self.gone:
            self.kit.judge.check(outcome.error is not None, STATEFUL,
                                 f"deleting {file_id} a second time succeeded.")
            return file_id
        self.kit.judge.answered(outcome, STATEFUL)
        del self.model[file_id]
        self.gone.add(file_id)
        self.changed = True
        return file_id

    @rule(file_id=deleted)
    def deleted_stays_gone(self, file_id: str) -> None:
        outcome = by_id(self.kit, "openai_retrieve_file", file_id)
        self.kit.judge.no_hang(outcome)
        self.kit.judge.check(outcome.error is not None, STATEFUL,
                             f"retrieve({file_id}) succeeded after the file was deleted.")

    @invariant()
    @precondition(lambda self: self.changed)
    def listing_matches_model(self) -> None:
        self.changed = False
        outcome = list_page(self.kit, limit=10000)
        self.kit.judge.answered(outcome, STATEFUL)
        listed = {f.id: f.bytes for f in outcome.value.data}
        missing = sorted(set(self.model) - set(listed))
        resurrected = sorted(self.gone & set(listed))
        wrong_size = sorted(i for i in self.model if i in listed and listed[i] != len(self.model[i]))
        self.kit.judge.check(not missing, STATEFUL, f"list misses existing files {missing}.")
        self.kit.judge.check(not resurrected, STATEFUL, f"list shows deleted files {resurrected}.")
        self.kit.judge.check(not wrong_size, STATEFUL, f"list reports wrong sizes for {wrong_size}.")

    def teardown(self) -> None:
        # a read's effect on the listing shows even with no change after it; what the machine made goes either way
        tear_down(self.listing_matches_model, lambda made: by_id(self.kit, "openai_delete_file", made), self.model)


@pytest.mark.checks(STATEFUL, *ANSWER)
def test_files_state_machine(llama_kit: Kit) -> None:
    """files.stateful"""
    llama_kit.run_machine(FilesMachine)
