"""Render a certification report as one self-contained HTML page for people to read.

The page must open from a mail attachment, an artifact store or an air-gapped machine and
look the same everywhere, so it is a single file: inline CSS, the badge inlined as SVG, no
script, no font, image or stylesheet fetched from anywhere. A Content-Security-Policy
``<meta>`` forbids every fetch and every script, as a second line of defence.

Messages, test ids and reasons are provider or run text: every string from the report goes
through ``html.escape`` before it reaches the page. The content and its order are the
Markdown renderer's (the shared helpers live in ``render_md``); this module only lays it out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from llama_conformance.report.badge import LABEL, badge_svg, verdict_colour
from llama_conformance.report.render_md import (
    INCONCLUSIVE_INTRO,
    NOT_APPLICABLE_INTRO,
    NOT_JUDGED_LABEL,
    STATUS_LABELS,
    STATUSES,
    TOTALS_INTRO,
    Report,
    check_api,
    check_capability,
    check_titles,
    config_json,
    is_code_fact,
    mismatch_note,
    not_applicable_groups,
    report_facts,
    results_with,
    skips_intro,
    status_label,
    target_name,
    text,
    totals_rows,
)

VERDICT_CLASSES: dict[str, str] = {
    "Conformant": "conformant",
    "Partially conformant": "partial",
    "Inconclusive": "inconclusive",
    "Not conformant": "not-conformant",
}
_BREAKS = re.compile(r"([./\[]|::)(?=.)")
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'"

_CSS = """
:root {
  --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; --page: #ffffff;
  --green: #1a7f37; --amber: #9a6700; --red: #cf222e; --grey: #6e7781;
  --green-bg: #dafbe1; --amber-bg: #fff8c5; --red-bg: #ffebe9; --grey-bg: #eaeef2;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { background: var(--soft); }
body {
  margin: 0; color: var(--fg); background: var(--soft); line-height: 1.5; font-size: 15px;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
}
.banner { color: #fff; background: var(--grey); }
.banner.conformant { background: linear-gradient(135deg, #1a7f37, #2da44e); }
.banner.partial { background: linear-gradient(135deg, #9a6700, #d4a72c); }
.banner.not-conformant { background: linear-gradient(135deg, #a40e26, #cf222e); }
.banner.inconclusive { background: linear-gradient(135deg, #424a53, #6e7781); }
.banner-inner, main, footer { max-width: 1120px; margin: 0 auto; padding: 0 32px; }
.banner-inner { padding-top: 28px; padding-bottom: 28px; display: flex; gap: 24px; align-items: center; }
.banner-text { flex: 1; min-width: 0; }
.eyebrow { margin: 0; font-size: 12px; letter-spacing: .08em; text-transform: uppercase; opacity: .85; }
.banner h1 { margin: 4px 0 6px; font-size: 34px; line-height: 1.15; font-weight: 700; }
.banner .target { margin: 0; font-size: 18px; font-family: var(--mono); overflow-wrap: anywhere; }
.banner .meta { margin: 6px 0 0; font-size: 13px; opacity: .9; }
.banner .mismatch { margin: 12px 0 0; padding: 8px 12px; border-radius: 6px; font-size: 14px;
  color: var(--fg); background: var(--amber-bg); border-left: 4px solid var(--amber); }
.banner .badge { flex: none; background: rgba(255, 255, 255, .92); padding: 10px 12px; border-radius: 8px; }
.banner .badge svg { display: block; height: 26px; width: auto; }
main { padding-top: 24px; padding-bottom: 16px; }
section {
  background: var(--page); border: 1px solid var(--line); border-radius: 8px;
  padding: 20px 24px; margin: 0 0 20px;
}
h2 { margin: 0 0 12px; font-size: 19px; display: flex; align-items: center; gap: 8px; }
h2 .count {
  font-size: 12px; font-weight: 600; padding: 1px 9px; border-radius: 999px; background: var(--grey-bg);
  color: var(--muted);
}
h2 .count.bad { background: var(--red-bg); color: var(--red); }
h2 .count.warn { background: var(--amber-bg); color: var(--amber); }
p.intro, p.empty { margin: 0 0 12px; color: var(--muted); }
p.empty { margin: 0; }
ul.reasons { margin: 0; padding-left: 20px; }
ul.reasons li { margin: 2px 0; }
.stats-caption { margin: 0 0 8px; font-size: 13px; color: var(--muted); }
.stats { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin-bottom: 20px; }
.stat {
  background: var(--page); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px;
  border-top: 4px solid var(--grey);
}
.stat .n { display: block; font-size: 26px; font-weight: 700; line-height: 1.2; }
.stat .l { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
.stat.passed { border-top-color: var(--green); }
.stat.failed { border-top-color: var(--red); }
.stat.failed.some .n { color: var(--red); }
.stat.warned.some .n { color: var(--amber); }
.stat.warned { border-top-color: #d4a72c; }
.stat.inconclusive { border-top-color: var(--grey); }
.stat.expected-failure { border-top-color: #8250df; }
.stat.skipped, .stat.not-run, .stat.not-applicable { border-top-color: #afb8c1; }
dl.facts {
  display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); column-gap: 32px; margin: 0;
}
dl.facts div {
  display: grid; grid-template-columns: 170px minmax(0, 1fr); gap: 12px; padding: 6px 0;
  border-bottom: 1px solid var(--soft);
}
dl.facts dt { color: var(--muted); font-size: 13px; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; font-size: 14px; }
dl.facts dd.mono { font-family: var(--mono); font-size: 12.5px; }
table { width: 100%; border-collapse: collapse; font-size: 13.5px; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--soft); font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase;
     letter-spacing: .03em; }
td { overflow-wrap: break-word; }
.table-wrap { overflow-x: auto; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.zero { color: #afb8c1; }
td.bad { color: var(--red); font-weight: 700; }
td.warn { color: var(--amber); font-weight: 700; }
tr.subtotal td { background: #fbfcfd; }
tr:not(.subtotal) + tr.subtotal td { border-top: 2px solid var(--line); }
tr.total td { font-weight: 700; background: var(--soft); border-top: 2px solid var(--line); }
code, pre { font-family: var(--mono); font-size: 12.5px; }
td code, dd code, li code, p code { background: var(--soft); padding: 1px 5px; border-radius: 4px; }
pre {
  margin: 0; padding: 12px 14px; background: var(--soft); border: 1px solid var(--line); border-radius: 6px;
  white-space: pre-wrap; overflow-wrap: anywhere;
}
pre.repro { background: #24292f; color: #f0f3f6; border-color: #24292f; }
article.finding {
  border: 1px solid var(--line); border-left: 4px solid var(--grey); border-radius: 6px;
  padding: 14px 16px; margin: 0 0 14px;
}
article.finding:last-child { margin-bottom: 0; }
article.failed { border-left-color: var(--red); }
article.warned { border-left-color: #d4a72c; }
article.inconclusive { border-left-color: var(--grey); }
article.expected-failure { border-left-color: #8250df; }
article.finding header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin-bottom: 6px; }
article.finding header code { font-size: 14px; font-weight: 600; background: none; padding: 0; }
article.finding .title { margin: 0 0 4px; }
article.finding .where { margin: 0 0 10px; font-size: 13px; color: var(--muted); overflow-wrap: anywhere; }
article.finding .label { margin: 10px 0 4px; font-size: 12px; color: var(--muted); text-transform: uppercase;
                         letter-spacing: .05em; }
.pill {
  display: inline-block; font-size: 11.5px; font-weight: 600; padding: 1px 8px; border-radius: 999px;
  background: var(--grey-bg); color: var(--muted); white-space: nowrap;
}
.pill.level-MUST { background: #ffebe9; color: #a40e26; }
.pill.level-SHOULD { background: var(--amber-bg); color: var(--amber); }
.pill.level-MAY { background: #ddf4ff; color: #0969da; }
.pill.passed { background: var(--green-bg); color: var(--green); }
.pill.failed { background: var(--red-bg); color: var(--red); }
.pill.warned { background: var(--amber-bg); color: var(--amber); }
.pill.inconclusive { background: var(--grey-bg); color: var(--grey); }
.pill.expected-failure { background: #fbefff; color: #8250df; }
details > summary { cursor: pointer; color: var(--muted); font-size: 13px; margin-top: 12px; }
details.section > summary { margin: 0; list-style: none; color: inherit; }
details.section > summary::-webkit-details-marker { display: none; }
details.section > summary h2 { display: inline-flex; margin: 0; }
details.section > summary h2::before { content: "\\25B8"; color: var(--muted); font-size: 14px; }
details.section[open] > summary h2::before { content: "\\25BE"; }
details.section[open] > summary { margin-bottom: 12px; }
details pre { margin-top: 8px; }
ul.repairs { margin: 0; padding-left: 20px; font-size: 13.5px; }
footer { padding-bottom: 32px; color: var(--muted); font-size: 12.5px; }
@media (max-width: 800px) {
  .stats { grid-template-columns: repeat(2, 1fr); }
  dl.facts { grid-template-columns: 1fr; }
  .banner-inner { flex-direction: column; align-items: flex-start; }
}
@media print {
  html, body { background: #fff; }
  .banner { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section { break-inside: avoid-page; }
}
"""


def _e(value: object) -> str:
    return escape(text(value))


def _code(value: object) -> str:
    """An identifier (check id, node id, path) that may wrap after ``.``, ``/``, ``::`` or ``[``."""
    return f"<code>{_BREAKS.sub(r'\1<wbr>', _e(value))}</code>"


def _pill(label: object, css: str) -> str:
    return f'<span class="pill {escape(css)}">{_e(label)}</span>'


def _count(n: int, tone: str = "") -> str:
    css = f"count {tone}" if n and tone else "count"
    return f'<span class="{css}">{n}</span>'


def _table(header: Sequence[str], rows: Sequence[str], numeric: Sequence[int] = ()) -> str:
    """``rows`` are ready ``<tr>`` elements; header labels are escaped here."""
    head = "".join(f'<th class="num">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
                   for i, h in enumerate(header))
    return f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def _section(ident: str, title: str, body: str, count: str = "", *, collapsible: bool = False) -> str:
    heading = f"<h2>{escape(title)}{count}</h2>"
    if collapsible:
        body = f'<details class="section" open><summary>{heading}</summary>{body}</details>'
        return f'<section id="{ident}">{body}</section>'
    return f'<section id="{ident}">{heading}{body}</section>'


# --------------------------------------------------------------------------- parts


def _banner(report: Report) -> str:
    verdict = text(report.get("verdict"))
    kit = report.get("kit", {})
    apis = ", ".join(map(str, report.get("target", {}).get("apis", [])))
    meta = " · ".join([
        f"APIs: {escape(apis or '—')}",
        f"generated {_e(report.get('generated_at'))}",
        f"{_e(kit.get('name'))} {_e(kit.get('version'))}",
    ])
    badge = badge_svg(LABEL, verdict, verdict_colour(verdict), xmlns=False)
    css = VERDICT_CLASSES.get(verdict, "unknown")
    return (
        f'<header class="banner {css}"><div class="banner-inner"><div class="banner-text">'
        '<p class="eyebrow">llama-conformance certification report</p>'
        f'<h1 class="verdict">{escape(verdict)}</h1>'
        f'<p class="target">{escape(target_name(report))}</p>'
        f'<p class="meta">{meta}</p>{_mismatch(report)}'
        f'</div><div class="badge">{badge}</div></div></header>'
    )


def _mismatch(report: Report) -> str:
    """The generation-mismatch warning, in the banner: it explains the failures below it."""
    note = mismatch_note(report)
    return f'<p class="mismatch" role="note"><strong>Generation mismatch.</strong> {_e(note)}</p>' if note else ""


def _stats(report: Report) -> str:
    overall = report.get("totals", {}).get("overall", {})
    tiles = "".join(_stat(status, int(overall.get(status, 0))) for status in STATUSES)
    # The cards count checks (as the totals do), not tests: the caption says so, so a card reading
    # "0 skipped" beside a list of skipped tests is not a contradiction.
    return ('<p class="stats-caption">Checks by status, over all APIs and levels (each check counted once)</p>'
            f'<div class="stats" aria-label="Checks by status over all APIs and levels">{tiles}</div>')


def _stat(status: str, n: int) -> str:
    css = f"stat {status} some" if n else f"stat {status}"
    return f'<div class="{css}"><span class="n">{n}</span><span class="l">{escape(STATUS_LABELS[status])}</span></div>'


def _reasons(report: Report) -> str:
    reasons = report.get("verdict_reasons", [])
    if not reasons:
        return _section("verdict", "Why this verdict", '<p class="empty">No reason recorded.</p>')
    items = "".join(f"<li>{_e(reason)}</li>" for reason in reasons)
    return _section("verdict", "Why this verdict", f'<ul class="reasons">{items}</ul>')


def _facts(report: Report) -> str:
    pairs = "".join(_fact(label, value) for label, value in report_facts(report))
    config = (f"<details><summary>Provider configuration (secrets redacted)</summary>"
              f"<pre>{escape(config_json(report))}</pre></details>")
    return _section("facts", "Facts", f'<dl class="facts">{pairs}</dl>{config}')


def _fact(label: str, value: str) -> str:
    css = ' class="mono"' if is_code_fact(label, value) else ""
    return f"<div><dt>{escape(label)}</dt><dd{css}>{escape(value)}</dd></div>"


def _count_cell(status: str, n: int) -> str:
    tone = "zero" if not n else {"failed": "bad", "warned": "warn"}.get(status, "")
    return f'<td class="num {tone}">{n}</td>'


def _totals(report: Report) -> str:
    rows = []
    for api, level, counts in totals_rows(report):
        css = "total" if level == "All levels" else "subtotal" if api == "All APIs" else ""
        cells = "".join(_count_cell(s, int(counts.get(s, 0))) for s in STATUSES)
        rows.append(f'<tr class="{css}"><td>{_e(api)}</td><td>{_e(level)}</td>{cells}</tr>')
    header = ["API", "Level", *(STATUS_LABELS[s] for s in STATUSES)]
    intro = f'<p class="intro">{escape(TOTALS_INTRO)}</p>'
    table = _table(header, rows, numeric=range(2, 2 + len(STATUSES)))
    return _section("totals", "Totals", intro + table)


def _finding(result: Mapping[str, Any], title: str) -> str:
    outcome = str(result.get("outcome", ""))
    level = text(result.get("level"))
    where = f"Test {_code(result.get('test'))}"
    if result.get("subject"):
        where += f" · subject {_code(result.get('subject'))}"
    heading = f"<header><code>{_e(result.get('check'))}</code>{_pill(level, f'level-{level}')}</header>"
    named = f'<p class="title">{escape(title)}</p>' if title else ""
    if result.get("not_judged"):
        where += f" · {escape(NOT_JUDGED_LABEL.lower())}: {' '.join(_code(c) for c in result['not_judged'])}"
    message = f'<pre class="message">{escape(str(result.get("message", "")))}</pre>'
    repro = (f'<p class="label">Reproduce</p><pre class="repro"><code>{escape(str(result["reproducer"]))}</code></pre>'
             if result.get("reproducer") else "")
    return (f'<article class="finding {escape(outcome)}">{heading}{named}<p class="where">{where}</p>'
            f"{message}{repro}</article>")


def _findings(report: Report, outcome: str, ident: str, title: str, intro: str, empty: str, tone: str) -> str:
    found = results_with(report, outcome)
    if not found:
        body = f'<p class="empty">{escape(empty)}</p>'
    else:
        titles = check_titles(report)
        body = f'<p class="intro">{intro}</p>' + "".join(_finding(r, titles.get(str(r.get("check")), ""))
                                                          for r in found)
    return _section(ident, title, body, _count(len(found), tone), collapsible=outcome != "failed")


def _failures(report: Report) -> str:
    return _findings(report, "failed", "failures", "Failures",
                     "Each failure names its check, the test that found it, what the test saw, and a command "
                     "that reruns it with the same seed.", "No check failed.", "bad")


def _inconclusive(report: Report) -> str:
    return _findings(report, "inconclusive", "inconclusive", "Inconclusive", INCONCLUSIVE_INTRO,
                     "Every check that ran was judged.", "warn")


def _expected_failures(report: Report) -> str:
    baseline = report.get("run", {}).get("baseline")
    where = f"the baseline {_code(baseline)}" if baseline else "the baseline"
    return _findings(report, "expected-failure", "expected-failures", "Expected failures (baselined)",
                     f"Known failures recorded in {where}: reported, not counted against the verdict.",
                     "No baselined failure.", "")


def _warnings(report: Report) -> str:
    return _findings(report, "warned", "warnings", "Warnings (SHOULD)",
                     "Recommendations the provider does not follow: they do not make it non-conformant.",
                     "No warning.", "warn")


def _skips(report: Report) -> str:
    skips = report.get("skips", [])
    if not skips:
        return _section("skips", "Skips", '<p class="empty">Nothing was skipped.</p>', _count(0), collapsible=True)
    rows = [f"<tr><td>{_code(s.get('test'))}</td><td>{_e(s.get('reason'))}</td>"
            f"<td>{' '.join(_code(c) for c in s.get('checks', [])) or '—'}</td></tr>" for s in skips]
    intro = f'<p class="intro">{_e(skips_intro(report))}</p>'
    return _section("skips", "Skipped tests", intro + _table(["Test", "Reason", "Checks"], rows),
                    _count(len(skips)), collapsible=True)


def _not_applicable(report: Report) -> str:
    groups = not_applicable_groups(report)
    if not groups:
        return ""
    rows = [f"<tr><td>{_e(reason)}</td><td>{' '.join(_code(c) for c in ids)}</td></tr>" for reason, ids in groups]
    body = f'<p class="intro">{escape(NOT_APPLICABLE_INTRO)}</p>' + _table(["Why", "Checks"], rows)
    return _section("not-applicable", "Not applicable in this mode", body,
                    _count(sum(len(ids) for _reason, ids in groups)), collapsible=True)


def _errata(report: Report) -> str:
    errata = report.get("errata", [])
    if not errata:
        return _section("errata", "Contract errata", '<p class="empty">No erratum applied.</p>', _count(0),
                        collapsible=True)
    intro = ('<p class="intro">Places where the published contract, not the provider, is at fault: '
             "reported, never counted as failures.</p>")
    rows = [f"<tr><td>{_code(e.get('erratum'))}</td><td>{_code(e.get('check'))}</td><td>{_e(e.get('message'))}</td>"
            f"<td>{' '.join(_code(t) for t in e.get('tests', [])) or '—'}</td></tr>" for e in errata]
    return _section("errata", "Contract errata", intro + _table(["Erratum", "Check", "Message", "Tests"], rows),
                    _count(len(errata)), collapsible=True)


def _repairs(report: Report) -> str:
    if "repairs" not in report:
        return ""
    repairs = report["repairs"]
    if not repairs:
        body = '<p class="empty">The deployment\'s OpenAPI document needed no change.</p>'
    else:
        items = "".join(f"<li>{_e(r)}</li>" for r in repairs)
        body = ('<p class="intro">Every change the kit made to the deployment\'s OpenAPI document before testing it.'
                f'</p><ul class="repairs">{items}</ul>')
    return _section("repairs", "OpenAPI repairs", body, _count(len(repairs)), collapsible=True)


def _plan_row(check: Mapping[str, Any]) -> str:
    status = str(check.get("status", ""))
    level = text(check.get("level"))
    return (
        f"<tr><td>{_code(check.get('id'))}</td><td>{_e(check.get('title'))}</td>"
        f"<td>{_pill(level, f'level-{level}')}</td><td>{_e(check.get('scope'))}</td>"
        f"<td>{_e(check_capability(check))}</td><td>{_e(check_api(check))}</td>"
        f"<td>{_pill(status_label(status), status)}</td>"
        f'<td class="num">{int(check.get("results", 0))}</td><td>{_code(check.get("reference"))}</td></tr>'
    )


def _plan(report: Report) -> str:
    checks = report.get("checks", [])
    header = ["Check", "Title", "Level", "Scope", "Capability", "API", "Status", "Results", "Reference"]
    table = _table(header, [_plan_row(c) for c in checks], numeric=[7])
    return _section("plan", "Test plan", table, _count(len(checks)), collapsible=True)


def _footer(report: Report) -> str:
    kit = report.get("kit", {})
    return (f"<footer>Generated by {_e(kit.get('name'))} {_e(kit.get('version'))} from a report of schema "
            f"{_e(report.get('schema_version'))}. Re-render it with <code>llama-conformance report</code>.</footer>")


def render_html(report: dict[str, Any]) -> str:
    """The whole report as one self-contained HTML document."""
    title = f"Conformance report: {target_name(report)} — {text(report.get('verdict'))}"
    body = "".join(part(report) for part in (
        _reasons, _facts, _totals, _failures, _inconclusive, _expected_failures, _warnings, _skips,
        _not_applicable, _errata, _repairs, _plan))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
        f"<body>{_banner(report)}<main>{_stats(report)}{body}</main>{_footer(report)}</body></html>\n"
    )
