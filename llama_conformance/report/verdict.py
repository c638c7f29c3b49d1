"""The verdict a vendor publishes, and why: Conformant, Partially conformant, Inconclusive, Not conformant.

* **Not conformant**: a Core MUST check failed (baselined or not: a baseline gates CI, it
  does not certify), or no check ran at all.
* **Inconclusive**: no Core MUST check failed, but one could not be judged: its evidence was
  an environment problem (the provider's backend unreachable, missing credentials) or a
  stand-in's answer (``llama_conformance.evidence``). Never *Not conformant* for that reason:
  whoever runs the kit must fix the environment and run again.
* **Partially conformant**: Core holds, but a check of an optional capability failed (the
  reason names the capability, and whether it was declared), a Core MUST or declared check
  was only skipped (so never verified), a SHOULD check failed under ``--llama-strict``, the
  run was a selection (``-k`` / ``-m``) of the suites, or it left Core checks out for want of an install
  (an HTTP run without the fuzzer's engine).
* **Conformant**: otherwise. SHOULD warnings, checks no test exercised (``not-run``) and
  checks this mode cannot exercise (``not-applicable``) are listed in the report but do not
  lower it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from llama_conformance.checks import CHECKS, Level

CONFORMANT = "Conformant"
PARTIAL = "Partially conformant"
NOT_CONFORMANT = "Not conformant"
INCONCLUSIVE = "Inconclusive"
VERDICTS = (CONFORMANT, PARTIAL, INCONCLUSIVE, NOT_CONFORMANT)


def _named(ids: list[str], limit: int = 8) -> str:
    shown = ", ".join(sorted(ids)[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def decide(statuses: Mapping[str, str], declared: set[str], *, strict: bool,
           failed_levels: Mapping[str, set[str]], failed_in: Mapping[str, set[str | None]] | None = None,
           selection: str | None, causes: Mapping[str, str] | None = None,
           left_out: Sequence[str] = ()) -> tuple[str, list[str]]:
    """``statuses``: check id -> aggregated status; ``failed_levels``: check id -> levels it failed at;
    ``failed_in``: check id -> capabilities of the tests it failed in (a stream invariant failing in the
    streaming test belongs to that capability; None: a Core test); ``causes``: check id -> why it was
    inconclusive; ``left_out``: why Core checks this run could have exercised were not (the fuzzer's engine not
    installed), each a reason the run is only partial."""
    failed_in = failed_in or {}
    ran = [check_id for check_id, status in statuses.items() if status not in ("not-run", "not-applicable")]
    if not ran:
        return NOT_CONFORMANT, ["no check ran (the provider did not build, or every test was deselected)"]

    def core_must(check_id: str) -> bool:
        check = CHECKS[check_id]
        return check.capability is None and check.level is Level.MUST

    def declared_check(check_id: str) -> bool:
        return CHECKS[check_id].capability in declared

    def with_status(wanted: tuple[str, ...], keep: Callable[[str], bool] = lambda _id: True) -> list[str]:
        return [i for i, status in statuses.items() if status in wanted and keep(i)]

    failing = ("failed", "expected-failure")
    def in_core(check_id: str) -> bool:
        return None in failed_in.get(check_id, {None})

    must_failed = [i for i in with_status(failing, core_must)
                   if "MUST" in failed_levels.get(i, {"MUST"}) and in_core(i)]
    if must_failed:
        return NOT_CONFORMANT, [f"{len(must_failed)} Core MUST check(s) failed: {_named(must_failed)}"]
    unjudged = with_status(("inconclusive",), lambda i: core_must(i) or declared_check(i))
    if unjudged:
        by_cause: dict[str, list[str]] = {}
        for check_id in unjudged:
            by_cause.setdefault((causes or {}).get(check_id, "see the report"), []).append(check_id)
        return INCONCLUSIVE, [f"{len(ids)} Core MUST or declared check(s) could not be judged ({_named(ids)}): {cause}"
                              for cause, ids in by_cause.items()]
    reasons = []
    declared_failed = [i for i in with_status(failing, lambda i: i not in must_failed)
                       if "MUST" in failed_levels.get(i, {"MUST"})]
    reasons += _capability_failures(declared_failed, declared, failed_in)
    unverified = with_status(("skipped",), lambda i: core_must(i) or declared_check(i))
    if unverified:
        reasons.append(f"{len(unverified)} Core MUST or declared check(s) were only skipped, so not verified: "
                       f"{_named(unverified)}")
    if strict:
        should_failed = [i for i in with_status(failing)
                         if i not in declared_failed and i not in must_failed]
        if should_failed:
            reasons.append(f"--llama-strict: {len(should_failed)} SHOULD check(s) failed: {_named(should_failed)}")
    if selection:
        reasons.append(f"a partial run ({selection}): the verdict covers only the checks selected")
    reasons += left_out
    if reasons:
        return PARTIAL, reasons
    warned = with_status(("warned",))
    note = f"; {len(warned)} SHOULD warning(s): {_named(warned)}" if warned else ""
    return CONFORMANT, [f"every Core MUST check and every check of the declared capabilities passed{note}"]


def _capability_failures(failed: list[str], declared: set[str],
                         failed_in: Mapping[str, set[str | None]]) -> list[str]:
    """One reason per capability whose checks failed, declared ones first and named as such: a
    provider that claims `streaming` and breaks it is told which claim failed, and where."""
    by_capability: dict[str, list[str]] = {}
    for check_id in failed:
        owners = {CHECKS[check_id].capability} if CHECKS[check_id].capability else failed_in.get(check_id, set())
        for capability in sorted(str(owner) for owner in owners if owner) or [""]:
            by_capability.setdefault(capability, []).append(check_id)
    reasons = []
    for capability in sorted(by_capability, key=lambda name: (name not in declared, name == "", name)):
        ids = by_capability[capability]
        if capability in declared:
            reasons.append(f"declared capability `{capability}` failed: {_named(ids)}")
        elif capability:
            reasons.append(f"optional capability `{capability}` (not declared) failed: {_named(ids)}")
        else:
            reasons.append(f"{len(ids)} check(s) of optional capabilities failed: {_named(ids)}")
    return reasons
