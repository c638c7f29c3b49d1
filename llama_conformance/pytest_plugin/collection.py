"""Collect the kit's packaged suites instead of the author's tests, and parametrize them.

With ``--llama-provider`` and no explicit paths, pytest collects the installed
``llama_conformance_suites`` package, whatever the working directory. Structural tests are
parametrized by protocol member, so each member is its own test named ``api.member``.
"""

from __future__ import annotations

import itertools
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from llama_conformance.pytest_plugin.session import KitSession, kit_session
from llama_conformance.report.record import covered_checks

MARKERS = (
    "structural: structural checks of a provider against its protocol",
    "behavioral: calls the provider and judges what it returns",
    "negative: invalid requests and unknown ids must get typed errors",
    "stateful: sequences of calls checked against a model of what should exist",
    "http: checks of an HTTP deployment (--llama-stack-url or --llama-over-http)",
    "fuzz: schemathesis over the repaired OpenAPI document, one test per operation",
    "capability(name): the optional capability a test belongs to",
    "api(name): the API a conformance test belongs to",
    "checks(*ids): the check ids a conformance test judges (the report's unit)",
    "level(level): RFC 2119 level of the checks in a test (MUST, SHOULD, MAY)",
    "llama_nothing_to_check: internal; an empty parameter set the kit drops",
)
KIT_MARKS = frozenset(line.split(":", 1)[0].split("(", 1)[0] for line in MARKERS)


@cache
def suites_dir() -> Path:
    import llama_conformance_suites

    return Path(llama_conformance_suites.__file__).parent


def point_at_suites(config: pytest.Config) -> None:
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = [str(suites_dir())]


def restore_path_order(path: list[str]) -> None:
    """Undo the front entry pytest's ``prepend`` import mode adds for the packaged suites, when it only repeats a
    later one. For an installed kit the suites' root is site-packages, which then went ahead of ``PYTHONPATH``: a
    module first imported after that (the API package a run against a URL reads on first use) came from
    site-packages although the user's ``PYTHONPATH`` put another copy first. pytest adds the entry again each time
    it imports a module of the suites (collection; a package's set-up before its first test), so the plugin calls
    this after collection and before each fixture and test body. The root stays where the interpreter put it."""
    root = _real(str(suites_dir().parent))
    while len(path) > 1 and _real(path[0]) == root and any(_real(entry) == root for entry in path[1:]):
        del path[0]


@cache
def _real(entry: str) -> str:
    return os.path.realpath(entry or ".")  # "" is the working directory, which a run does not change


# A suite module whose whole content belongs to one API says so on one line, ``pytestmark = [...,
# pytest.mark.api("files")]``; it is the module's only ``mark.api(`` (a test's own mark would win).
_MODULE_MARKS = re.compile(r"^pytestmark = \[([^\]\n]*)\]", re.MULTILINE)
_MODULE_API = re.compile(r"""\bmark\.api\("(\w+)"\)""")
_MARK = re.compile(r"\bmark\.(\w+)")
_EXPRESSION_WORDS = frozenset({"and", "or", "not", "True", "False"})
_MAX_OPTIONAL_MARKS = 8  # subsets to try: 2 ** this at most


def ignore_unselected(path: Path, config: pytest.Config) -> bool | None:
    """True for a packaged suite module none of whose tests this run keeps (``pytest_ignore_collect``): one of
    an API the run does not check, or one whose marks cannot match the run's ``-m``; and for a wing's folder
    (``suites/<name>/``, flat) all of whose modules are such.

    ``keep_provider_api`` and ``-m`` would drop its tests after collection anyway; not importing and
    parametrizing it saves a files run the other APIs' modules (a tenth of a structural run's CPU) and a
    ``-m fuzz`` or ``-m structural`` run every behavioural module, and an import error in one of them can
    no longer stop an unrelated run. Only the kit's own choice of paths is pruned: paths the user gave are
    collected as given. A module is pruned only on what its text says for certain.
    """
    session = kit_session(config)
    if session is None or config.args_source == pytest.Config.ArgsSource.ARGS:
        return None
    if path.parent == suites_dir() and path.is_dir():
        # A wing's folder none of whose modules the run keeps is not walked at all: pytest would make a package
        # node, a directory node and a hook round per file for it.
        if any(child.is_dir() and child.name != "__pycache__" for child in path.iterdir()):
            return None  # a nested folder is not a wing's layout: leave it to the rules per module
        modules = sorted(path.glob("test_*.py"))
        return True if modules and all(_unselected_module(module, session, config) for module in modules) else None
    if path.suffix != ".py" or not path.name.startswith("test_") or path.parent.parent != suites_dir():
        return None
    return True if _unselected_module(path, session, config) else None


def _unselected_module(path: Path, session: KitSession, config: pytest.Config) -> bool:
    """The module's text alone says that none of its tests can be in this run (see ``ignore_unselected``)."""
    text = path.read_text(encoding="utf-8")
    module_marks = _MODULE_MARKS.search(text)
    declared = module_marks.group(1) if module_marks else ""
    return _other_api(text, declared, session) or marks_cannot_match(text, declared, config.option.markexpr)


def _other_api(text: str, declared: str, session: KitSession) -> bool:
    """The module declares one API (its only ``mark.api(``, on its ``pytestmark`` line) that the run does not
    check. A module whose API is not read from its text alone (marks per test, a variable) is not."""
    found = _MODULE_API.search(declared)
    return found is not None and text.count("mark.api(") == 1 and found.group(1) not in session.apis


def marks_cannot_match(text: str, declared: str, markexpr: str) -> bool:
    """No test of the module can match ``-m markexpr``, whatever marks its tests add to the module's own.

    Each test has the marks of the module's ``pytestmark`` (``declared``, trusted when the module assigns
    it once) plus some of the marks written elsewhere in its text (a test's decorator, a class's, a
    parameter's): every such combination of the names the expression asks about is tried. Not pruned, so
    collected and left to ``-m``: an expression naming a mark the kit does not register (another plugin or
    the user's conftest may add it to the kit's tests at collection), one with arguments
    (``api(name=...)``), one pytest cannot parse or evaluate (it words that error itself), or more than
    ``_MAX_OPTIONAL_MARKS`` marks to combine. The packaged suites add no mark at run time and write every
    mark in the test module itself, which ``tests/test_startup.py`` checks.
    """
    if not markexpr or "(" in markexpr:
        return False
    asked = set(re.findall(r"[\w.]+", markexpr)) - _EXPRESSION_WORDS
    if not asked <= KIT_MARKS:
        return False
    module = set(_MARK.findall(declared)) if text.count("pytestmark") == 1 else set()
    optional = sorted((set(_MARK.findall(text)) - module) & asked)
    if len(optional) > _MAX_OPTIONAL_MARKS:
        return False
    try:
        from _pytest.mark.expression import Expression  # what ``-m`` itself evaluates

        expression = Expression.compile(markexpr)
        return not any(expression.evaluate(_has_mark(module | {name for name, on in zip(optional, chosen, strict=True)
                                                                if on}))
                       for chosen in itertools.product((False, True), repeat=len(optional)))
    except Exception:
        return False


def _has_mark(marks: set[str]) -> Any:
    """``-m``'s matcher for a test with ``marks`` (names only: expressions with arguments are not pruned)."""
    def matches(name: str, /, **_: str | int | bool | None) -> bool:
        return name in marks

    return matches


def parametrize(metafunc: pytest.Metafunc, session: KitSession | None) -> None:
    if session is None:
        return
    if "fuzz_operation" in metafunc.fixturenames:
        labels = session.operations() if session.over_http else []
        if labels:
            metafunc.parametrize("fuzz_operation", labels, ids=labels)
        else:
            metafunc.parametrize("fuzz_operation", [pytest.param(None, marks=_NOTHING)])
    # The surface only when a structural test needs it: deriving it imports the API package. A deployment has no
    # provider object to inspect (``keep_provider_api`` drops these tests), so a URL run never derives it for them.
    inspected = not session.options.stack_url
    if "structural_member" in metafunc.fixturenames:
        if inspected:
            members = list(session.put.surface.members)
            metafunc.parametrize("structural_member", members, ids=[m.member_id for m in members])
        else:
            metafunc.parametrize("structural_member", [pytest.param(None, marks=_NOTHING)])
    if "structural_attribute" in metafunc.fixturenames:
        attrs = list(session.put.surface.attributes) if inspected else []
        if attrs:
            metafunc.parametrize("structural_attribute", attrs, ids=[a.member_id for a in attrs])
        else:  # nothing to check: dropped at collection rather than shown as a skip
            metafunc.parametrize("structural_attribute", [pytest.param(None, marks=_NOTHING)])


_NOTHING = pytest.mark.llama_nothing_to_check


def drop_empty(items: list[pytest.Item]) -> None:
    """Remove tests parametrized over an empty set (an API with no attributes)."""
    items[:] = [item for item in items if item.get_closest_marker("llama_nothing_to_check") is None]


def out_of_scope(session: KitSession) -> dict[str, str]:
    """Checks this run does not exercise by its own choice, with why: ``{check id: reason}``.

    Their tests are dropped at collection (not shown as skips in every run) and the report
    lists the checks as not applicable with the reason: the stress checks outside
    ``--llama-profile stress``; the secret check when the run holds no secret to look for; the
    SDK check when no official client that validates what it reads is installed for the
    contract's package (``transport.sdk_judge.not_judged_reason``); the fuzzer's checks when its
    engine, the kit's ``fuzz`` extra, is not installed (``fuzz.available``).
    """
    from llama_conformance.behaviour.secrets import watched_secrets
    from llama_conformance.engine_checks import ANSWERED_ONCE, SECRET_IN_ERROR, STREAM_COMPLETE

    scope: dict[str, str] = {}
    if not session.profile.stress:
        scope |= {check.id: "the stress checks run only with --llama-profile stress (concurrent calls and long "
                            "streams)" for check in (ANSWERED_ONCE, STREAM_COMPLETE)}
    if not watched_secrets(None if session.options.stack_url else session.put.config,
                           dict(_header(item) for item in session.options.stack_headers)):
        scope[SECRET_IN_ERROR.id] = ("the run holds no secret to look for: no SecretStr or credential-named "
                                     "config field, no --llama-stack-header (give the provider a config with "
                                     "its key to exercise it)")
    if session.over_http:
        from llama_conformance.transport.checks import SDK_PARSES
        from llama_conformance.transport.sdk_judge import not_judged_reason

        why_not = not_judged_reason(session.put.contract.package.module_name)
        if why_not is not None:
            scope[SDK_PARSES.id] = why_not
        cannot_fuzz = _engine_missing(session)
        if cannot_fuzz is not None:
            scope |= dict.fromkeys(_checks_without_engine(session), cannot_fuzz)
    return scope


def left_out(session: KitSession) -> list[str]:
    """Why the run covers less than it could for want of an install: an HTTP run without the fuzzer's engine leaves
    the fuzz suite's Core MUST checks unexercised, so its verdict is only partial (``report.verdict.decide``)."""
    why = _engine_missing(session)
    return [f"the fuzz suite did not run, so its Core MUST checks were not exercised: {why}"] if why else []


def _header(item: str) -> tuple[str, str]:
    name, _, value = item.partition(":")
    return name.strip(), value.strip()


def keep_provider_api(items: list[pytest.Item], session: KitSession | None) -> None:
    """Keep the suites of the provider's API (and API-neutral ones); others do not apply.

    A files provider is not "skipping" the inference suite: that suite is not about it,
    so it is dropped at collection instead of padding the skip list.
    """
    if session is None:
        return
    apis = set(session.apis)
    deployment = bool(session.options.stack_url)
    skipped_by_choice = out_of_scope(session)
    later = _checks_without_engine(session)  # dropped after -m and -k (drop_fuzz_without_engine)

    def applies(item: pytest.Item) -> bool:
        own = covered_checks(item)[:1]  # a test's own check is the first it names
        if own and own[0] in skipped_by_choice and own[0] not in later:
            return False
        if deployment and item.get_closest_marker("structural"):
            return False  # no provider object to inspect, only its routes
        if item.get_closest_marker("http") and not session.over_http:
            return False
        marker = item.get_closest_marker("api")
        return marker is None or bool(apis & set(marker.args))

    items[:] = [item for item in items if applies(item)]


def drop_fuzz_without_engine(config: pytest.Config, items: list[pytest.Item], session: KitSession | None) -> None:
    """Without the fuzzer's engine (the ``fuzz`` extra), drop the fuzz suite's tests that ``-m``, ``-k`` and the
    paths left selected; if that leaves nothing to run, end with the usage exit code and what to install.

    Called after pytest's own deselection (the plugin's collection hook wraps it), so a selection of only fuzz
    tests (``-m fuzz``, ``-k test_operation``, the suite's path) is told about the install instead of ending as
    "no tests ran"; ``keep_provider_api`` leaves these tests to it. The report lists their checks as not applicable,
    in the same words (``out_of_scope``). In a worker process the session hands the error to the scheduler.
    """
    checks = _checks_without_engine(session)
    if session is None or not checks:
        return
    dropped = {item for item in items if next(iter(covered_checks(item)), None) in checks}
    if not dropped:
        return
    config.hook.pytest_deselected(items=[item for item in items if item in dropped])  # counted as pytest counts -m's
    items[:] = [item for item in items if item not in dropped]
    if not items:
        session.usage_error(f"Nothing to run: the tests selected need the fuzzer, and {_engine_missing(session)}. "
                            "Install it, or select other tests (the HTTP suites run without it).")


def _engine_missing(session: KitSession | None) -> str | None:
    """Why this run cannot fuzz (``fuzz.available``), or None: it can, or it is not over HTTP."""
    if session is None or not session.over_http:
        return None
    from llama_conformance.fuzz.available import unavailable_reason

    return unavailable_reason()


def _checks_without_engine(session: KitSession | None) -> frozenset[str]:
    """The fuzzer's check ids when this run cannot fuzz, else none."""
    if _engine_missing(session) is None:
        return frozenset()
    from llama_conformance.fuzz.ids import FUZZ_CHECK_IDS

    return frozenset(FUZZ_CHECK_IDS)


def register_markers(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)


def require_session(request: pytest.FixtureRequest) -> KitSession:
    session = kit_session(request.config)
    if session is None:
        pytest.skip("no --llama-provider or --llama-stack-url given: the conformance suites have nothing to check")
    return session
