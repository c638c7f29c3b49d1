"""Prompts as a state machine: any sequence of creates, updates, default changes and deletes
must agree with a model of each prompt's versions and its default (deleted prompts stay gone).

After every step the invariant lists all prompts (their defaults: cheap, and it sees every prompt,
so cross-talk shows at once) and reads the versions of the prompts the step touched; every prompt's
versions are read on every ``SWEEP_EVERY``-th step and before teardown (``behaviour.examples.Sweep``).
Reading every prompt's versions after every step was over a quarter of a thorough run (issue 18).
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.behaviour.examples import Sweep, tear_down
from llama_conformance_suites.prompts.checks import STATEFUL
from llama_conformance_suites.prompts.helpers import create_prompt, delete_prompt, list_prompts, templates

pytestmark = [pytest.mark.stateful, pytest.mark.api("prompts")]

CHECK = STATEFUL


class PromptsMachine(RuleBasedStateMachine):
    kit: Kit
    prompts = Bundle("prompts")

    def __init__(self) -> None:
        super().__init__()
        self.texts: dict[str, list[str]] = {}  # prompt_id -> text of versions 1..n
        self.default: dict[str, int] = {}
        self.gone: set[str] = set()
        self.sweep = Sweep()  # the prompts whose versions the invariant reads back

    @rule(target=prompts, template=templates())
    def create(self, template: tuple[str, list[str]]) -> str:
        created = create_prompt(self.kit, *template, check=CHECK)
        self.kit.judge.check(created.prompt_id not in self.texts and created.prompt_id not in self.gone, CHECK,
                             f"create returned prompt_id {created.prompt_id!r}, which was already used.")
        self.texts[created.prompt_id] = [template[0]]  # its one version: checked in the listing at once
        self.default[created.prompt_id] = 1
        return str(created.prompt_id)

    @rule(prompt_id=prompts, template=templates(), as_default=st.booleans())
    def update(self, prompt_id: str, template: tuple[str, list[str]], as_default: bool) -> None:
        latest = len(self.texts.get(prompt_id, [])) or 1
        outcome = self.kit.ask("update_prompt", prompt_id=prompt_id, prompt=template[0],
                       variables=template[1], version=latest, set_as_default=as_default)
        if prompt_id in self.gone:
            self.kit.judge.check(outcome.error is not None, CHECK, f"update of deleted prompt {prompt_id} succeeded.")
            return
        self.kit.judge.answered(outcome, CHECK)
        self.texts[prompt_id].append(template[0])
        self.sweep.touch(prompt_id)
        if as_default:
            self.default[prompt_id] = len(self.texts[prompt_id])

    @rule(prompt_id=prompts, pick=st.integers(0, 10))
    def set_default(self, prompt_id: str, pick: int) -> None:
        if prompt_id in self.gone:
            return
        version = pick % len(self.texts[prompt_id]) + 1
        outcome = self.kit.ask("set_default_version", prompt_id=prompt_id, version=version)
        self.kit.judge.answered(outcome, CHECK)
        self.default[prompt_id] = version

    @rule(prompt_id=consumes(prompts))
    def delete(self, prompt_id: str) -> None:
        outcome = delete_prompt(self.kit, prompt_id)
        if prompt_id in self.gone:
            self.kit.judge.check(outcome.error is not None, CHECK, f"deleting {prompt_id} a second time succeeded.")
            return
        self.kit.judge.answered(outcome, CHECK)
        self.gone.add(prompt_id)
        del self.texts[prompt_id], self.default[prompt_id]
        after = self.kit.ask("get_prompt", prompt_id=prompt_id)
        self.kit.judge.no_hang(after)
        self.kit.judge.check(after.error is not None, CHECK, f"get_prompt({prompt_id}) succeeded after delete.")

    @invariant()
    def prompts_match_model(self) -> None:
        self._read_back()

    def _read_back(self, *, everything: bool = False) -> None:
        """The listing agrees with the model; so do the versions of the prompts the sweep says are due."""
        due = self.sweep.due(self.texts, everything=everything)
        outcome = list_prompts(self.kit)
        self.kit.judge.answered(outcome, CHECK)
        listed = {p.prompt_id: p for p in outcome.value.data}
        missing = sorted(set(self.texts) - set(listed))
        resurrected = sorted(self.gone & set(listed))
        self.kit.judge.check(not missing, CHECK, f"list_prompts misses existing prompts {missing}.")
        self.kit.judge.check(not resurrected, CHECK, f"list_prompts shows deleted prompts {resurrected}.")
        for prompt_id, texts in self.texts.items():
            version = self.default[prompt_id]
            shown = listed[prompt_id]
            self.kit.judge.check((shown.version, shown.prompt) == (version, texts[version - 1]), CHECK,
                                 f"list_prompts shows {prompt_id} v{shown.version} {shown.prompt!r}; the default "
                                 f"is v{version} {texts[version - 1]!r}.")
            if prompt_id not in due:
                continue
            got = self.kit.ask("list_prompt_versions", prompt_id=prompt_id)
            self.kit.judge.answered(got, CHECK)
            stored = [(p.version, p.prompt) for p in got.value.data]
            self.kit.judge.check(stored == list(enumerate(texts, 1)), CHECK,
                                 f"{prompt_id} has versions {stored}, the model says {list(enumerate(texts, 1))}.")

    def teardown(self) -> None:
        # the last steps are read back whole, whatever the step count; what the machine made goes either way
        tear_down(lambda: self._read_back(everything=True), lambda made: delete_prompt(self.kit, made), self.texts)


@pytest.mark.checks(STATEFUL, *ANSWER)
def test_prompts_state_machine(llama_kit: Kit) -> None:
    """prompts.stateful"""
    llama_kit.run_machine(PromptsMachine)
