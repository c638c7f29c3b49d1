"""Skills as a state machine: any sequence of creates, version uploads, default changes and deletes
must agree with a model of each skill's versions, its default and its latest version.

The model takes whatever number an upload is given (a reused number is the SHOULD check
skills.version-number-fresh, judged in test_skills.py), but it must be new among the versions the
skill has. Deleting the default or the latest version leaves the provider free to point it at any
version the skill still has; the model follows what get_skill says then.

The invariant reads back the skills the last step touched (get_skill, its versions, its content), and
every skill on every ``SWEEP_EVERY``-th step and before teardown (``behaviour.examples.Sweep``). Reading every
skill after every step was three of every four requests of a run, the longest test of a real ogx
server's run (11.5 s).
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.behaviour.examples import Sweep, tear_down
from llama_conformance_suites.skills.checks import STATEFUL
from llama_conformance_suites.skills.helpers import add_version, bundle, call, content_of, delete, new_skill, update

pytestmark = [pytest.mark.stateful, pytest.mark.api("skills")]

CHECK = STATEFUL


class SkillsMachine(RuleBasedStateMachine):
    kit: Kit
    skills = Bundle("skills")

    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[str, dict[str, bytes]] = {}  # skill id -> version -> bundle
        self.default: dict[str, str] = {}
        self.latest: dict[str, str] = {}
        self.sweep = Sweep()  # which skills the invariant reads back

    @rule(target=skills)
    def create(self) -> str:
        skill, content = new_skill(self.kit, "kit-machine", check=CHECK)
        skill_id = str(skill.id)
        self.stored[skill_id], self.default[skill_id], self.latest[skill_id] = {"1": content}, "1", "1"
        self.sweep.touch(skill_id)
        return skill_id

    @rule(skill_id=skills, as_default=st.booleans())
    def upload(self, skill_id: str, as_default: bool) -> None:
        content = bundle("kit-machine")
        answer = self.kit.accept(add_version(self.kit, skill_id, content, default=as_default),
                                 "create_skill_version", CHECK)
        self.kit.judge.check(answer.version not in self.stored[skill_id], CHECK,
                             f"create_skill_version answered version {answer.version!r}, which {skill_id} has "
                             f"(versions {sorted(self.stored[skill_id])}).")
        self.stored[skill_id][answer.version] = content
        self.sweep.touch(skill_id)
        self.latest[skill_id] = answer.version
        if as_default:
            self.default[skill_id] = answer.version

    @rule(skill_id=skills, pick=st.integers(0, 10))
    def set_default(self, skill_id: str, pick: int) -> None:
        versions = sorted(self.stored[skill_id], key=int)
        version = versions[pick % len(versions)]
        self.kit.accept(update(self.kit, skill_id, version), "update_skill", CHECK)
        self.default[skill_id] = version
        self.sweep.touch(skill_id)

    @rule(skill_id=skills, pick=st.integers(0, 10))
    def delete_version(self, skill_id: str, pick: int) -> None:
        versions = sorted(self.stored[skill_id], key=int)
        if len(versions) < 2:
            return
        version = versions[pick % len(versions)]
        self.kit.accept(call(self.kit, "delete_skill_version", skill_id, version), "delete_skill_version", CHECK)
        del self.stored[skill_id][version]
        self.sweep.touch(skill_id)
        got = self.kit.accept(call(self.kit, "get_skill", skill_id), "get_skill", CHECK)
        for name, model in (("default_version", self.default), ("latest_version", self.latest)):
            shown = getattr(got, name)
            if model[skill_id] == version:  # the provider picks a version the skill still has
                self.kit.judge.check(shown in self.stored[skill_id], CHECK,
                                     f"after deleting version {version} of {skill_id}, its {name} is {shown!r}; "
                                     f"it has versions {sorted(self.stored[skill_id])}.")
                model[skill_id] = shown

    @rule(skill_id=consumes(skills))
    def delete_skill(self, skill_id: str) -> None:
        self.kit.accept(delete(self.kit, skill_id), "delete_skill", CHECK)
        del self.stored[skill_id], self.default[skill_id], self.latest[skill_id]
        after = call(self.kit, "get_skill", skill_id)
        self.kit.judge.no_hang(after)
        self.kit.judge.check(after.error is not None, CHECK, f"get_skill({skill_id}) succeeded after delete.")

    @invariant()
    def skills_match_model(self) -> None:
        self._read_back()

    def _read_back(self, *, everything: bool = False) -> None:
        """Each skill the sweep says is due (``everything``: each the model holds) agrees with the model."""
        for skill_id, bundles in self.sweep.due(self.stored, everything=everything).items():
            got = self.kit.accept(call(self.kit, "get_skill", skill_id), "get_skill", CHECK)
            wanted = (self.default[skill_id], self.latest[skill_id])
            self.kit.judge.check((got.default_version, got.latest_version) == wanted, CHECK,
                                 f"get_skill({skill_id}) says default {got.default_version!r}, latest "
                                 f"{got.latest_version!r}; the model says {wanted}.")
            page = self.kit.accept(call(self.kit, "list_skill_versions", skill_id,
                                        self.kit.request(self.kit.member("list_skill_versions"), {"limit": 100})),
                                   "list_skill_versions", CHECK)
            listed = sorted((v.version for v in page.data), key=int)
            self.kit.judge.check(listed == sorted(bundles, key=int), CHECK,
                                 f"{skill_id} lists versions {listed}; the model says {sorted(bundles, key=int)}.")
            body = content_of(self.kit, call(self.kit, "get_skill_content", skill_id), CHECK, "get_skill_content")
            self.kit.judge.check(body == bundles[self.default[skill_id]], CHECK,
                                 f"get_skill_content({skill_id}) is not the bundle of its default version "
                                 f"{self.default[skill_id]}.")

    def teardown(self) -> None:
        # the last steps are read back whole, whatever the step count; what the machine made goes either way
        tear_down(lambda: self._read_back(everything=True), lambda made: delete(self.kit, made), self.stored)


@pytest.mark.checks(STATEFUL, *ANSWER)
def test_skills_state_machine(llama_kit: Kit) -> None:
    """skills.stateful"""
    llama_kit.run_machine(SkillsMachine)
