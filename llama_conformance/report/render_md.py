"""Render a certification report as Markdown a vendor can publish next to their provider.

The report JSON (``schema/report-1.schema.json``) is the contract; this module only reads
the loaded dict, so ``llama-conformance report report.json`` re-renders any saved report
without the run that produced it. Missing optional fields render as a dash, unknown fields
are ignored: a reader of schema major 1 reads every 1.x report.

Everything that came from the provider or the run (messages, test ids, reasons) is
untrusted text. In prose and table cells it is escaped so it cannot become Markdown or HTML
markup, and collapsed onto one line so it cannot break a table; messages and reproducers
go verbatim into fenced blocks whose fence is longer than any backtick run they contain.

The helpers without a leading underscore (``target_name``, ``report_facts``,
``totals_rows``, ``results_with``, ...) are shared with the HTML renderer so both say the
same thing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

Report = Mapping[str, Any]

LEVELS: tuple[str, ...] = ("MUST", "SHOULD", "MAY")
STATUSES: tuple[str, ...] = ("passed", "failed", "inconclusive", "warned", "expected-failure", "skipped", "not-run",
                             "not-applicable")
STATUS_LABELS: dict[str, str] = {
    "passed": "Passed",
    "failed": "Failed",
    "inconclusive": "Inconclusive",
    "warned": "Warned",
    "expected-failure": "Expected failure",
    "skipped": "Skipped",
    "not-run": "Not run",
    "not-applicable": "Not applicable",
}
# What the totals count (the table, the HTML cards): checks, each once, by the status its results give it.
TOTALS_INTRO = ("Checks by status, each check counted once. Skipped, not-run and not-applicable checks are counted "
                "in their own columns: they are neither passes nor failures, and not-applicable ones (this mode "
                "cannot exercise them) never count against the verdict.")
NOT_APPLICABLE_INTRO = ("Checks that apply to these APIs but that this run's mode cannot exercise; another mode "
                        "can. Listed apart: they are neither passes nor failures, and do not count against the "
                        "verdict.")
DASH = "—"
# Facts that are identifiers, paths or commands: shown as code, verbatim.
CODE_FACTS: frozenset[str] = frozenset({"Provider type", "URL", "Module", "Spec source", "Baseline", "Command"})

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")
_BACKTICKS = re.compile(r"`+")


# --------------------------------------------------------------------------- shared reading


def text(value: object) -> str:
    """A report value as display text: None becomes a dash, booleans yes/no."""
    if value is None or value == "":
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def target_name(report: Report) -> str:
    """What was tested, in one phrase: the provider type, else the URL, else the module."""
    target = report.get("target", {})
    for key in ("provider_type", "url", "module"):
        if target.get(key):
            return str(target[key])
    return "unknown target"


def report_facts(report: Report) -> list[tuple[str, str]]:
    """The run's facts as (label, value) pairs, in the order a reader looks for them."""
    target = report.get("target", {})
    contract = report.get("contract", {})
    env = report.get("environment", {})
    run = report.get("run", {})
    kit = report.get("kit", {})
    facts = [
        ("Target kind", text(target.get("kind"))),
        ("Provider type", text(target.get("provider_type"))),
    ]
    if target.get("url"):
        facts.append(("URL", text(target.get("url"))))
    facts += [
        ("APIs", ", ".join(map(str, target.get("apis", []))) or DASH),
        ("Module", text(target.get("module"))),
        ("Distribution", _joined(target.get("distribution"), target.get("version"))),
    ]
    if target.get("source"):
        facts.append(("Spec source", text(target.get("source"))))
    facts += [
        ("API package", f"{text(contract.get('package'))} ({_joined(contract.get('distribution'),
                                                                   contract.get('version'))})"),
        *([("Built on", built_on_text(target))] if "built_on" in target and target.get("kind") == "provider" else []),
        ("Kit", _joined(kit.get("name"), kit.get("version"))),
        ("Report schema", text(report.get("schema_version"))),
        ("Generated at", text(report.get("generated_at"))),
        ("Python", f"{text(env.get('python'))} on {text(env.get('platform'))}"),
        ("Seed", text(run.get("seed"))),
        ("Profile", text(run.get("profile"))),
        ("Strict", text(run.get("strict"))),
        ("Capabilities declared", ", ".join(map(str, run.get("capabilities_declared", []))) or "none (Core only)"),
        ("Transport", text(target.get("transport"))),
        ("Baseline", text(run.get("baseline")) if run.get("baseline") else "none"),
        ("Command", text(run.get("command"))),
        ("Duration", _seconds(run.get("duration_s"))),
        *([("Provider time", provider_time_text(run["provider_time"]))] if run.get("provider_time") else []),
        ("Exit status", text(run.get("exit_status"))),
    ]
    return facts


def provider_time_text(rows: list[Mapping[str, Any]]) -> str:
    """The wall time of the run's calls into provider code, and the call that took most (report 1.2)."""
    seconds = sum(float(row.get("seconds", 0)) for row in rows)
    calls = sum(int(row.get("calls", 0)) for row in rows)
    top = max(rows, key=lambda row: float(row.get("seconds", 0)))
    return (f"{seconds:.1f} s in {calls:,} calls; most: {text(top.get('call'))} "
            f"({float(top.get('seconds', 0)):.1f} s in {int(top.get('calls', 0)):,})")


def built_on_text(target: Mapping[str, Any]) -> str:
    """The API generation the provider is built on, and whether it is the contract's (report 1.1)."""
    built = target.get("built_on") or {}
    if not built.get("package"):
        return "unknown (no import, spec class or requirement names an API package)"
    mismatch = target.get("generation_mismatch")
    agreement = ("another generation than the contract (see the note at the top)" if mismatch is True
                 else "the contract's generation" if mismatch is False else "")
    return f"{text(built.get('summary') or built.get('package'))}{' — ' + agreement if agreement else ''}"


def mismatch_note(report: Report) -> str | None:
    """The run's generation-mismatch warning without its ``MISMATCH:`` tag, if the generations differ."""
    target = report.get("target", {})
    note = target.get("generation_note")
    if not target.get("generation_mismatch") or not note:
        return None
    sentence = str(note).removeprefix("MISMATCH:").strip()
    return sentence[:1].upper() + sentence[1:]


def is_code_fact(label: str, value: str) -> bool:
    """Identifiers, paths and commands read best verbatim, in monospace; "none" does not."""
    return label in CODE_FACTS and value not in (DASH, "none")


def _joined(name: object, version: object) -> str:
    if not name:
        return DASH
    return f"{name} {version}" if version else str(name)


def _seconds(value: object) -> str:
    return f"{value:.1f} s" if isinstance(value, int | float) else DASH


def ordered_levels(levels: Sequence[str]) -> list[str]:
    """MUST, SHOULD, MAY first, then any level a newer kit adds, in report order."""
    return [lvl for lvl in LEVELS if lvl in levels] + [lvl for lvl in levels if lvl not in LEVELS]


def totals_rows(report: Report) -> list[tuple[str, str, Mapping[str, int]]]:
    """(API, level, counts) rows: every API and level, then every level over all APIs, then all."""
    totals = report.get("totals", {})
    rows: list[tuple[str, str, Mapping[str, int]]] = []
    for api, by_level in totals.get("by_api", {}).items():
        rows += [(str(api), level, by_level[level]) for level in ordered_levels(list(by_level))]
    by_level = totals.get("by_level", {})
    rows += [("All APIs", level, by_level[level]) for level in ordered_levels(list(by_level))]
    if "overall" in totals:
        rows.append(("All APIs", "All levels", totals["overall"]))
    return rows


def results_with(report: Report, outcome: str) -> list[Mapping[str, Any]]:
    """The results whose outcome is ``outcome``, MUST before SHOULD before MAY, stable otherwise."""
    found = [r for r in report.get("results", []) if r.get("outcome") == outcome]
    rank = {level: i for i, level in enumerate(LEVELS)}
    return sorted(found, key=lambda r: rank.get(r.get("level", ""), len(LEVELS)))


def check_titles(report: Report) -> dict[str, str]:
    """Check id -> title, from the test plan (a result names its check only by id)."""
    return {str(c.get("id")): str(c.get("title", "")) for c in report.get("checks", [])}


def check_api(check: Mapping[str, Any]) -> str:
    return str(check["api"]) if check.get("api") else "any"


def check_capability(check: Mapping[str, Any]) -> str:
    return str(check["capability"]) if check.get("capability") else "Core"


def config_json(report: Report) -> str:
    return json.dumps(report.get("run", {}).get("config", {}), indent=2, sort_keys=True, default=str)


# --------------------------------------------------------------------------- Markdown syntax


def inline(value: object) -> str:
    """Untrusted text as one line of Markdown prose: no markup, no HTML, no table breaks."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text(value).split()))


def code(value: object, *, in_table: bool = True) -> str:
    """Untrusted text as an inline code span on one line (``|`` escaped inside tables)."""
    body = " ".join(text(value).split())
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    fence = "`" * (longest + 1)
    if body.startswith("`") or body.endswith("`"):
        body = f" {body} "
    if in_table:
        body = body.replace("|", "\\|")
    return f"{fence}{body}{fence}"


def fenced(value: str, lang: str = "") -> str:
    """A fenced block holding ``value`` verbatim, whatever backticks it contains."""
    longest = max((len(run) for run in _BACKTICKS.findall(value)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{value.rstrip()}\n{fence}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """A GFM table of already-formatted cells; a stray newline never reaches a cell."""
    align = ["---:" if i in right else "---" for i in range(len(header))]
    lines = [header, align, *rows]
    return "\n".join("| " + " | ".join(" ".join(cell.splitlines()) for cell in line) + " |" for line in lines)


# --------------------------------------------------------------------------- sections


def _title(report: Report) -> list[str]:
    verdict = text(report.get("verdict"))
    kit = report.get("kit", {})
    return [
        f"# Conformance report: {inline(target_name(report))} — {inline(verdict)}",
        "",
        f"**Verdict: {inline(verdict)}**  ",
        f"Generated {inline(report.get('generated_at'))} by {inline(_joined(kit.get('name'), kit.get('version')))}"
        f" (report schema {inline(report.get('schema_version'))}).",
        *(["", f"> **Generation mismatch.** {inline(note)}"] if (note := mismatch_note(report)) else []),
    ]


def _facts(report: Report) -> list[str]:
    facts = report_facts(report)
    rows = [[label, code(value) if is_code_fact(label, value) else inline(value)] for label, value in facts]
    return [
        "## Facts", "",
        table(["Fact", "Value"], rows), "",
        "Provider configuration (secrets redacted):", "",
        fenced(config_json(report), "json"),
    ]


def _reasons(report: Report) -> list[str]:
    reasons = report.get("verdict_reasons", [])
    items = [f"- {inline(reason)}" for reason in reasons] or ["- No reason recorded."]
    return ["## Verdict reasons", "", *items]


def _totals(report: Report) -> list[str]:
    header = ["API", "Level", *(STATUS_LABELS[s] for s in STATUSES)]
    rows = [
        [f"**{inline(api)}**" if level == "All levels" else inline(api),
         f"**{inline(level)}**" if level == "All levels" else inline(level),
         *(str(counts.get(status, 0)) for status in STATUSES)]
        for api, level, counts in totals_rows(report)
    ]
    return [
        "## Totals", "",
        TOTALS_INTRO, "",
        table(header, rows, right=range(2, 2 + len(STATUSES))),
    ]


def _result(index: int, result: Mapping[str, Any], title: str) -> list[str]:
    lines = [f"### {index}. {code(result.get('check'), in_table=False)} ({inline(result.get('level'))})", ""]
    if title:
        lines.append(f"- Check: {inline(title)}")
    lines.append(f"- Test: {code(result.get('test'), in_table=False)}")
    if result.get("subject"):
        lines.append(f"- Subject: {code(result.get('subject'), in_table=False)}")
    if result.get("not_judged"):
        lines.append(f"- {NOT_JUDGED_LABEL}: {', '.join(code(c, in_table=False) for c in result['not_judged'])}")
    lines += ["", fenced(str(result.get("message", "")), "text"), ""]
    if result.get("reproducer"):
        lines += ["Reproduce:", "", fenced(str(result["reproducer"]), "sh")]
    else:
        lines.append("No reproducer recorded.")
    return [*lines, ""]


def _results(report: Report, outcome: str, title: str, intro: str, empty: str) -> list[str]:
    found = results_with(report, outcome)
    lines = [f"## {title} ({len(found)})", ""]
    if not found:
        return [*lines, empty]
    lines += [intro, ""]
    titles = check_titles(report)
    for index, result in enumerate(found, 1):
        lines += _result(index, result, titles.get(str(result.get("check")), ""))
    return lines[:-1]


def _failures(report: Report) -> list[str]:
    return _results(report, "failed", "Failures", "Each failure names its check, the test that found it, what the "
                    "test saw, and a command that reruns it with the same seed.", "No check failed.")


INCONCLUSIVE_INTRO = ("Checks the kit could not judge: their only evidence was an environment problem (the provider's "
                      "backend unreachable, missing credentials) or an answer of the kit's stand-in dependencies. "
                      "Not failures: fix the cause named and run again.")


def _inconclusive(report: Report) -> list[str]:
    return _results(report, "inconclusive", "Inconclusive", INCONCLUSIVE_INTRO, "Every check that ran was judged.")


def _expected_failures(report: Report) -> list[str]:
    baseline = report.get("run", {}).get("baseline")
    where = f"the baseline {code(baseline, in_table=False)}" if baseline else "the baseline"
    return _results(report, "expected-failure", "Expected failures (baselined)",
                    f"Known failures recorded in {where}: reported, not counted against the verdict.",
                    "No baselined failure.")


def _warnings(report: Report) -> list[str]:
    return _results(report, "warned", "Warnings (SHOULD)",
                    "Recommendations the provider does not follow: they do not make it non-conformant.",
                    "No warning.")


NOT_JUDGED_LABEL = "Not judged (the test stopped at this failure)"


def skips_intro(report: Report) -> str:
    """How the skipped tests relate to the skipped count of the totals, which counts checks."""
    skips = report.get("skips", [])
    only = int(report.get("totals", {}).get("overall", {}).get("skipped", 0))
    return (f"{len(skips)} test(s) skipped, with their reasons. {only} check(s) were judged by no other test, "
            "so the totals count them as skipped; the other checks these tests cover were judged elsewhere.")


def not_applicable_groups(report: Report) -> list[tuple[str, list[str]]]:
    """(reason, check ids) of the not-applicable checks, one entry per reason, in plan order."""
    groups: dict[str, list[str]] = {}
    for check in report.get("checks", []):
        if check.get("status") == "not-applicable":
            groups.setdefault(str(check.get("reason") or "this mode cannot exercise it"), []).append(str(check["id"]))
    return list(groups.items())


def _skips(report: Report) -> list[str]:
    skips = report.get("skips", [])
    lines = [f"## Skipped tests ({len(skips)})", ""]
    if not skips:
        return [*lines, "Nothing was skipped."]
    rows = [[code(s.get("test")), inline(s.get("reason")), ", ".join(code(c) for c in s.get("checks", [])) or DASH]
            for s in skips]
    return [*lines, inline(skips_intro(report)), "", table(["Test", "Reason", "Checks"], rows)]


def _not_applicable(report: Report) -> list[str]:
    groups = not_applicable_groups(report)
    if not groups:
        return []
    count = sum(len(ids) for _reason, ids in groups)
    rows = [[inline(reason), ", ".join(code(c) for c in ids)] for reason, ids in groups]
    return [f"## Not applicable in this mode ({count})", "", NOT_APPLICABLE_INTRO, "",
            table(["Why", "Checks"], rows)]


def _errata(report: Report) -> list[str]:
    errata = report.get("errata", [])
    lines = [f"## Contract errata ({len(errata)})", ""]
    if not errata:
        return [*lines, "No erratum applied."]
    rows = [[code(e.get("erratum")), code(e.get("check")), inline(e.get("message")),
             ", ".join(code(t) for t in e.get("tests", [])) or DASH] for e in errata]
    return [*lines, "Places where the published contract, not the provider, is at fault: reported, never counted "
            "as failures.", "", table(["Erratum", "Check", "Message", "Tests"], rows)]


def _repairs(report: Report) -> list[str]:
    if "repairs" not in report:
        return []
    repairs = report["repairs"]
    lines = [f"## OpenAPI repairs ({len(repairs)})", ""]
    if not repairs:
        return [*lines, "The deployment's OpenAPI document needed no change."]
    return [*lines, "Every change the kit made to the deployment's OpenAPI document before testing it:", "",
            *(f"- {inline(repair)}" for repair in repairs)]


def status_label(status: object) -> str:
    return STATUS_LABELS.get(str(status), text(status))


def _plan_row(check: Mapping[str, Any]) -> list[str]:
    return [code(check.get("id")), inline(check.get("title")), inline(check.get("level")), inline(check.get("scope")),
            inline(check_capability(check)), inline(check_api(check)), inline(status_label(check.get("status"))),
            str(check.get("results", 0)), code(check.get("reference"))]


def _plan(report: Report) -> list[str]:
    checks = report.get("checks", [])
    header = ["Check", "Title", "Level", "Scope", "Capability", "API", "Status", "Results", "Reference"]
    rows = [_plan_row(c) for c in checks]
    return [f"## Test plan ({len(checks)} checks)", "", table(header, rows, right=[7])]


def render_markdown(report: dict[str, Any]) -> str:
    """The whole report as GitHub-flavoured Markdown, ending with a newline."""
    sections = [_title, _facts, _reasons, _totals, _failures, _inconclusive, _expected_failures, _warnings, _skips,
                _not_applicable, _errata, _repairs, _plan]
    blocks = ["\n".join(lines) for section in sections if (lines := section(report))]
    return "\n\n".join(blocks) + "\n"
