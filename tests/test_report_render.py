"""The three renderers of a certification report: Markdown, HTML and the SVG badge.

A report is the JSON of ``report-1.schema.json``; the renderers read the loaded dict. The
reports below come from one factory and are validated against the schema, so the tests
cannot drift from the contract. One failure message carries provider text meant to break
things (``<script>``, a table pipe, backticks); every renderer must show it, harmlessly.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import llama_conformance.report
from llama_conformance.report.badge import render_badge
from llama_conformance.report.render_html import render_html
from llama_conformance.report.render_md import render_markdown

SCHEMA_PATH = Path(llama_conformance.report.__file__).parent / "schema" / "report-1.schema.json"
VERDICTS = ("Conformant", "Partially conformant", "Not conformant")
STATUSES = ("passed", "failed", "warned", "skipped", "expected-failure", "not-run")

HOSTILE = "provider said <script>alert(1)</script> and a|b with ``` fences"
REPRODUCER = ("pytest --llama-provider=remote::acme --llama-seed=1234 "
              "'suites/inference/test_chat.py::test_chat_completion_shape[stream]'")

# --------------------------------------------------------------------------- the factory


def _check(cid: str, level: str, status: str, *, api: str | None = "inference", capability: str | None = None,
           results: int = 1) -> dict[str, Any]:
    return {"id": cid, "level": level, "api": api, "capability": capability,
            "scope": "extended" if capability else "core", "title": f"Title of {cid}",
            "reference": f"Inference.{cid.rsplit('.', 1)[-1]}", "status": status, "results": results}


def _result(cid: str, level: str, outcome: str, message: str, test: str, reproducer: str | None) -> dict[str, Any]:
    return {"check": cid, "level": level, "test": test, "subject": "openai_chat_completion", "outcome": outcome,
            "duration_s": 0.25, "message": message, "reproducer": reproducer}


def _counts(statuses: list[str]) -> dict[str, int]:
    return {status: statuses.count(status) for status in STATUSES}


def _totals(checks: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals per check, as a report producer would count them from the plan."""
    by_api: dict[str, dict[str, list[str]]] = {}
    by_level: dict[str, list[str]] = {}
    for check in checks:
        by_api.setdefault(check["api"] or "any", {}).setdefault(check["level"], []).append(check["status"])
        by_level.setdefault(check["level"], []).append(check["status"])
    return {
        "overall": _counts([c["status"] for c in checks]),
        "by_level": {level: _counts(s) for level, s in by_level.items()},
        "by_api": {api: {level: _counts(s) for level, s in levels.items()} for api, levels in by_api.items()},
    }


def _findings(verdict: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """The checks, results and verdict reasons that make ``verdict``."""
    checks = [
        _check("structure.member.present", "MUST", "passed", api=None, results=3),
        _check("inference.chat.shape", "MUST", "passed"),
        _check("inference.chat.defaults", "SHOULD", "passed"),
        _check("inference.embeddings.dimensions", "MAY", "skipped", capability="embeddings", results=0),
        _check("files.list.order", "MUST", "not-run", api="files", capability="files", results=0),
    ]
    results = [_result("inference.chat.shape", "MUST", "passed", "", "suites/t.py::test_shape", None)]
    reasons = ["Every MUST check that ran passed."]
    if verdict in ("Partially conformant", "Not conformant"):
        checks += [_check("inference.stream.usage", "SHOULD", "warned"),
                   _check("inference.chat.stop", "MUST", "expected-failure")]
        results += [
            _result("inference.stream.usage", "SHOULD", "warned", "The last chunk carries no usage.",
                    "suites/t.py::test_usage", "pytest -k test_usage --llama-seed=1234"),
            _result("inference.chat.stop", "MUST", "expected-failure", "stop sequences are ignored",
                    "suites/t.py::test_stop", "pytest -k test_stop --llama-seed=1234"),
        ]
        reasons = ["1 SHOULD check warned: inference.stream.usage.",
                   "1 MUST failure is baselined in acme-baseline.yaml."]
    if verdict == "Not conformant":
        checks += [_check("inference.chat.response-schema", "MUST", "failed"),
                   _check("inference.chat.errors", "MUST", "failed")]
        results += [
            _result("inference.chat.response-schema", "MUST", "failed", f"{HOSTILE}\nsecond line: `choices`",
                    "suites/inference/test_chat.py::test_chat_completion_shape[stream]", REPRODUCER),
            _result("inference.chat.errors", "MUST", "failed", "An unknown model answered 200, not 404.",
                    "suites/t.py::test_unknown_model", None),
        ]
        reasons = ["2 MUST checks failed: inference.chat.response-schema, inference.chat.errors."]
    return checks, results, reasons


def make_report(verdict: str = "Not conformant", **overrides: Any) -> dict[str, Any]:
    """A schema-valid report whose content gives ``verdict``; ``overrides`` replace top-level keys."""
    checks, results, reasons = _findings(verdict)
    report: dict[str, Any] = {
        "schema_version": "1.0",
        "kit": {"name": "llama-conformance", "version": "0.1.0"},
        "generated_at": "2025-06-01T12:00:00Z",
        "target": {"kind": "provider", "provider_type": "remote::acme", "apis": ["inference", "files"],
                   "module": "acme_llama.provider", "distribution": "acme-llama", "version": "2.3.1",
                   "source": "entry point llama_stack.providers", "url": None, "transport": "in-process"},
        "contract": {"package": "ogx_api", "distribution": "ogx-api", "version": "1.5.0"},
        "environment": {"python": "3.12.1", "platform": "Linux-6.8-x86_64"},
        "run": {"seed": 1234, "profile": "default", "strict": True, "capabilities_declared": ["embeddings", "files"],
                "config": {"api_key": "***", "base_url": "http://acme.internal:8000"},
                "command": "pytest --llama-provider=remote::acme --llama-seed=1234",
                "duration_s": 12.5, "exit_status": 1 if verdict == "Not conformant" else 0,
                "baseline": "acme-baseline.yaml" if verdict != "Conformant" else None},
        "verdict": verdict,
        "verdict_reasons": reasons,
        "totals": _totals(checks),
        "checks": checks,
        "results": results,
        "skips": [{"test": "suites/t.py::test_embeddings_dimensions", "reason": "capability embeddings: model "
                   "acme-embed has no dimensions parameter", "checks": ["inference.embeddings.dimensions"]}],
        "errata": [{"erratum": "erratum.schema-null-stripped", "check": "inference.chat.response-schema",
                    "message": "The package strips null from optional fields.", "tests": ["suites/t.py::test_shape"]}],
        "repairs": ["#/components/responses/BadRequest400 -> {\"error\": {\"message\": ...}}"],
    }
    report.update(overrides)
    validate(report)
    return report


def validate(report: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator(schema).validate(report)


@pytest.fixture(params=VERDICTS)
def any_report(request: pytest.FixtureRequest) -> dict[str, Any]:
    return make_report(request.param)


def failures(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in report["results"] if r["outcome"] == "failed"]


# --------------------------------------------------------------------------- the factory itself


@pytest.mark.parametrize("verdict", VERDICTS)
def test_factory_reports_follow_the_schema(verdict: str) -> None:
    validate(make_report(verdict))  # make_report validates too; this states it


def test_a_report_outside_the_schema_is_refused() -> None:
    with pytest.raises(jsonschema.ValidationError):
        make_report(verdict="Mostly fine")


# --------------------------------------------------------------------------- Markdown


def test_markdown_title_names_target_and_verdict(any_report: dict[str, Any]) -> None:
    title = render_markdown(any_report).splitlines()[0]
    assert title.startswith("# ")
    assert "remote::acme" in title
    assert any_report["verdict"] in title


def test_markdown_title_falls_back_to_the_url_of_a_deployment() -> None:
    report = make_report(target={"kind": "deployment", "provider_type": None, "apis": ["files"],
                                 "url": "http://localhost:8321", "transport": "http"})
    assert "http://localhost:8321" in render_markdown(report).splitlines()[0]


def test_markdown_facts_table_states_the_run() -> None:
    md = render_markdown(make_report())
    for row in ("| Provider type | `remote::acme` |", "| Module | `acme_llama.provider` |",
                "| Distribution | acme-llama 2.3.1 |", "| API package | ogx\\_api (ogx-api 1.5.0) |",
                "| Kit | llama-conformance 0.1.0 |", "| Seed | 1234 |", "| Profile | default |", "| Strict | yes |",
                "| Capabilities declared | embeddings, files |", "| Transport | in-process |",
                "| Baseline | `acme-baseline.yaml` |"):
        assert row in md
    assert re.search(r"\| Python \| 3\.12\.1 on Linux", md)


def test_markdown_lists_verdict_reasons() -> None:
    md = render_markdown(make_report())
    assert "## Verdict reasons" in md
    assert "- 2 MUST checks failed: inference.chat.response-schema, inference.chat.errors." in md


def test_markdown_totals_have_a_row_per_api_and_level_and_keep_skips_apart() -> None:
    md = render_markdown(make_report())
    assert ("| API | Level | Passed | Failed | Inconclusive | Warned | Expected failure | Skipped | Not run "
            "| Not applicable |") in md
    # inference MUST: shape passed, two failed, stop baselined
    assert "| inference | MUST | 1 | 2 | 0 | 0 | 1 | 0 | 0 | 0 |" in md
    assert "| inference | MAY | 0 | 0 | 0 | 0 | 0 | 1 | 0 | 0 |" in md
    assert "| files | MUST | 0 | 0 | 0 | 0 | 0 | 0 | 1 | 0 |" in md
    assert "| **All APIs** | **All levels** | 3 | 2 | 0 | 1 | 1 | 1 | 1 | 0 |" in md
    assert "%" not in md.split("## Totals")[1].split("##")[0]  # no pass rate


def test_markdown_shows_each_failure_with_message_and_reproducer() -> None:
    report = make_report()
    md = render_markdown(report)
    section = md.split("## Failures (2)")[1].split("\n## ")[0]
    for failure in failures(report):
        assert f"`{failure['check']}` ({failure['level']})" in section
        assert f"- Check: Title of {failure['check']}" in section  # the plan's title, joined by id
        assert failure["test"] in section
    # the message verbatim in a fence longer than the backticks it contains
    assert f"````text\n{HOSTILE}\nsecond line: `choices`\n````" in section
    assert f"```sh\n{REPRODUCER}\n```" in section
    assert "No reproducer recorded." in section  # the second failure has none


def test_markdown_lists_expected_failures_warnings_errata_and_repairs() -> None:
    md = render_markdown(make_report())
    assert "## Expected failures (baselined) (1)" in md
    assert "stop sequences are ignored" in md
    assert "## Warnings (SHOULD) (1)" in md
    assert "The last chunk carries no usage." in md
    assert "## Contract errata (1)" in md
    assert "`erratum.schema-null-stripped`" in md
    assert "## OpenAPI repairs (1)" in md


def test_markdown_omits_repairs_when_the_report_has_none() -> None:
    report = make_report()
    del report["repairs"]
    validate(report)
    assert "OpenAPI repairs" not in render_markdown(report)


def test_markdown_lists_skips_with_reasons() -> None:
    md = render_markdown(make_report("Conformant"))
    assert ("| `suites/t.py::test_embeddings_dimensions` | capability embeddings: model acme-embed has no dimensions "
            "parameter | `inference.embeddings.dimensions` |") in md


def test_markdown_conformant_report_says_nothing_failed() -> None:
    md = render_markdown(make_report("Conformant"))
    assert "## Failures (0)\n\nNo check failed." in md


def test_markdown_test_plan_lists_every_check(any_report: dict[str, Any]) -> None:
    plan = render_markdown(any_report).split("## Test plan")[1]
    assert "| Check | Title | Level | Scope | Capability | API | Status | Results | Reference |" in plan
    for check in any_report["checks"]:
        assert f"| `{check['id']}` |" in plan
    assert ("| `structure.member.present` | Title of structure.member.present | MUST | core | Core | any | Passed | 3 "
            "| `Inference.present` |") in plan
    assert "| extended | embeddings | inference | Skipped |" in plan


def test_markdown_table_cells_escape_pipes_and_stay_on_one_line() -> None:
    reason = "first|second\nthird <b>bold</b>"
    md = render_markdown(make_report(skips=[{"test": "t[a|b]", "reason": reason, "checks": []}]))
    row = next(line for line in md.splitlines() if "first" in line)
    assert row == "| `t[a\\|b]` | first\\|second third \\<b\\>bold\\</b\\> | — |"


def _with_not_applicable_and_not_judged() -> dict[str, Any]:
    """The Not conformant report plus a check its mode could not exercise, and a failure that stopped
    its test before two checks (1.1 fields: a check's ``reason``, a failure's ``not_judged``)."""
    report = make_report()
    checks = [*report["checks"], {**_check("http.error.body", "MUST", "not-applicable", api=None, results=0),
                                  "reason": "it judges HTTP answers, and this run called the provider in-process"}]
    results = [dict(r, not_judged=["inference.chat.defaults", "call.no-hang"])
               if r["check"] == "inference.chat.errors" else r for r in report["results"]]
    totals = _totals(checks)
    for counts in [totals["overall"], *totals["by_level"].values()]:
        counts.setdefault("not-applicable", 0)
    totals["overall"]["not-applicable"] = totals["by_level"]["MUST"]["not-applicable"] = 1
    report.update(checks=checks, results=results, totals=totals)
    validate(report)
    return report


def test_markdown_lists_not_applicable_checks_apart_with_why() -> None:
    md = render_markdown(_with_not_applicable_and_not_judged())
    assert "| Skipped | Not run | Not applicable |" in md  # a column of its own in the totals
    section = md.split("## Not applicable in this mode (1)")[1].split("\n## ")[0]
    assert "| it judges HTTP answers, and this run called the provider in-process | `http.error.body` |" in section
    assert "## Not applicable in this mode" not in render_markdown(make_report())  # nothing to list, no section


def test_a_failure_names_the_checks_its_test_did_not_judge() -> None:
    report = _with_not_applicable_and_not_judged()
    md = render_markdown(report)
    assert "- Not judged (the test stopped at this failure): `inference.chat.defaults`, `call.no-hang`" in md
    text = "".join(parse(render_html(report)).text)
    assert "not judged (the test stopped at this failure): inference.chat.defaults call.no-hang" in text
    assert "Not judged" not in render_markdown(make_report())


def test_skip_counts_say_what_they_count_and_agree() -> None:
    """The cards and the totals count checks; the skips section lists tests and says how many of their
    checks no other test judged: the same number as the Skipped card."""
    report = make_report("Conformant")
    checks_only_skipped = report["totals"]["overall"]["skipped"]
    md = render_markdown(report)
    assert f"## Skipped tests ({len(report['skips'])})" in md
    assert (f"{len(report['skips'])} test(s) skipped, with their reasons. {checks_only_skipped} check(s) were "
            "judged by no other test, so the totals count them as skipped") in md
    page = render_html(report)
    text = "".join(parse(page).text)
    assert "Checks by status, over all APIs and levels (each check counted once)" in text
    assert f'<div class="stat skipped some"><span class="n">{checks_only_skipped}</span>' in page
    assert f"{checks_only_skipped} check(s) were judged by no other test" in text


# --------------------------------------------------------------------------- HTML


class _Page(HTMLParser):
    """Walks a page: every tag with its attributes, the text, and whether tags balance."""

    VOID = frozenset({"meta", "link", "br", "hr", "img", "input", "source", "wbr", "rect", "path", "stop"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    assert not parser.errors, parser.errors
    assert parser.stack == [], f"unclosed: {parser.stack}"
    return parser


def report_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from report_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from report_strings(item)


def test_html_is_a_well_formed_document(any_report: dict[str, Any]) -> None:
    page = render_html(any_report)
    assert page.startswith("<!DOCTYPE html>")
    tags = [tag for tag, _ in parse(page).tags]
    assert tags[:2] == ["html", "head"]
    assert tags.count("body") == 1


def test_html_shows_provider_text_as_text_never_as_markup() -> None:
    report = make_report()
    page = render_html(report)
    parsed = parse(page)
    assert "script" not in [tag for tag, _ in parsed.tags]
    assert "<script" not in page.lower()
    assert escape(HOSTILE) in page
    assert any(HOSTILE in chunk for chunk in parsed.text)  # readers see exactly what the provider said


def test_html_fetches_nothing_and_runs_nothing(any_report: dict[str, Any]) -> None:
    page = render_html(any_report)
    lowered = page.lower()
    for forbidden in ("<script", "@import", "url(", "<link", "<img", "<iframe", "<object", "<embed"):
        assert forbidden not in lowered, forbidden
    assert not re.search(r"<[^>]*\son[a-z]+=", lowered), "an event handler attribute"
    for tag, attrs in parse(page).tags:
        for name in ("src", "href", "action", "xlink:href", "srcset", "poster"):
            assert name not in attrs, f"<{tag} {name}=...>"
        for value in attrs.values():
            assert "://" not in (value or ""), f"<{tag}> carries a URL: {value}"
    # the only URLs on the page are report text (here the redacted config's base_url)
    remainder = page
    for value in sorted(set(report_strings(any_report)), key=len, reverse=True):
        remainder = remainder.replace(escape(value), "")
    assert "://" not in remainder


def test_html_bans_fetches_and_scripts_by_policy() -> None:
    page = render_html(make_report())
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert match is not None
    assert "default-src 'none'" in match.group(1)


@pytest.mark.parametrize(("verdict", "css"), [("Conformant", "conformant"), ("Partially conformant", "partial"),
                                               ("Not conformant", "not-conformant")])
def test_html_banner_is_coloured_by_verdict(verdict: str, css: str) -> None:
    page = render_html(make_report(verdict))
    banner = [attrs for tag, attrs in parse(page).tags if tag == "header" and "banner" in (attrs.get("class") or "")]
    assert banner == [{"class": f"banner {css}"}]
    assert f'<h1 class="verdict">{verdict}</h1>' in page


def test_html_has_the_same_content_as_the_markdown() -> None:
    report = make_report()
    text = "".join(parse(render_html(report)).text)
    for fact in ("remote::acme", "acme_llama.provider", "acme-llama 2.3.1", "ogx_api (ogx-api 1.5.0)", "1234",
                 "acme-baseline.yaml", "embeddings, files", "in-process"):
        assert fact in text
    for reason in report["verdict_reasons"]:
        assert reason in text
    for failure in failures(report):
        assert failure["check"] in text
        assert f"Title of {failure['check']}" in text
        assert failure["message"] in text
    assert REPRODUCER in text
    assert "capability embeddings: model acme-embed has no dimensions parameter" in text
    assert "erratum.schema-null-stripped" in text
    for check in report["checks"]:
        assert check["id"] in text


def test_html_messages_are_preformatted() -> None:
    page = render_html(make_report())
    assert f'<pre class="message">{escape(HOSTILE)}\nsecond line: `choices`</pre>' in page


def test_html_lists_failures_before_warnings_skips_errata_and_plan() -> None:
    page = render_html(make_report())
    order = [page.index(f'id="{ident}"') for ident in
             ("totals", "failures", "expected-failures", "warnings", "skips", "errata", "repairs", "plan")]
    assert order == sorted(order)


# --------------------------------------------------------------------------- badge


def _badge(verdict: str) -> ET.Element:
    return ET.fromstring(render_badge(make_report(verdict)))


SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("verdict", VERDICTS)
def test_badge_is_an_accessible_svg_naming_the_verdict(verdict: str) -> None:
    svg = _badge(verdict)
    assert svg.tag == f"{SVG}svg"
    title = svg.find(f"{SVG}title")
    assert title is not None
    assert title.text == f"llama-conformance: {verdict}"
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "llama-conformance" in texts
    assert verdict in texts


def test_badge_colour_differs_per_verdict() -> None:
    colours = {}
    for verdict in VERDICTS:
        fills = [rect.get("fill") for rect in _badge(verdict).iter(f"{SVG}rect")]
        colours[verdict] = fills[0]  # the message half
    assert colours == {"Conformant": "#4c1", "Partially conformant": "#dfb317", "Not conformant": "#e05d44"}


def test_badge_width_follows_the_text() -> None:
    widths = {verdict: int(_badge(verdict).get("width", "0")) for verdict in VERDICTS}
    assert widths["Conformant"] < widths["Not conformant"] < widths["Partially conformant"]
    assert 150 < widths["Conformant"] < 200  # "llama-conformance" ~ 110 px, "Conformant" ~ 75 px


def test_badge_references_nothing() -> None:
    badge = render_badge(make_report())
    assert badge.count("://") == 1  # the xmlns
    assert "url(" not in badge
    assert "href" not in badge


# --------------------------------------------------------------------------- in a real browser

CHROMIUM_NAMES = ("chromium-headless-shell", "chromium", "chromium-browser")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def chromium() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    if os.access("/usr/bin/chromium-headless-shell", os.X_OK):
        return "/usr/bin/chromium-headless-shell"
    pytest.fail("no Chromium found (looked for " + ", ".join(CHROMIUM_NAMES) + "); install it with "
                "`apt-get install chromium-headless-shell` - CI does")


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--hide-scrollbars", "--no-first-run", "--disable-extensions", "--disable-background-networking",
               f"--user-data-dir={tmp_path / 'chromium-profile'}", *args]
    env = {**os.environ, "HOME": str(tmp_path)}
    done = subprocess.run(command, capture_output=True, timeout=60, env=env, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done


def png_rows(png: bytes, rows: int) -> tuple[int, list[bytes], bytes]:
    """The width, the first ``rows`` unfiltered RGB(A) rows, and all of the raw image data."""
    assert png.startswith(PNG_MAGIC), "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(png):
        (length,), kind = struct.unpack(">I", png[pos:pos + 4]), png[pos + 4:pos + 8]
        data = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = data
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), f"unexpected PNG format: depth {depth}, colour type {colour}"
    raw = zlib.decompress(idat)
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    decoded: list[bytes] = []
    previous = bytes(stride)
    for y in range(min(rows, height)):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        _unfilter(kind, line, previous, bpp)
        decoded.append(bytes(line))
        previous = bytes(line)
    return width, decoded, raw


def _unfilter(kind: int, line: bytearray, previous: bytes, bpp: int) -> None:
    if kind == 0:
        return
    for i in range(len(line)):
        left = line[i - bpp] if i >= bpp else 0
        up = previous[i]
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
        else:
            corner = previous[i - bpp] if i >= bpp else 0
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF


def test_report_renders_in_a_headless_browser(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(make_report("Not conformant")), encoding="utf-8")
    shot = tmp_path / "report.png"
    run_chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri())

    published = tmp_path / "conformance-report" / "screenshots" / "report.png"
    published.parent.mkdir(parents=True)
    shutil.copyfile(shot, published)
    png = published.read_bytes()
    assert png.startswith(PNG_MAGIC)
    width, rows, raw = png_rows(png, 120)
    assert width == 1280
    assert len(set(raw)) > 64, "the screenshot is (nearly) one flat colour: the page did not render"
    # the red banner: a good part of the top rows is the Not-conformant gradient (#a40e26 -> #cf222e)
    bpp = len(rows[0]) // width
    reds = sum(1 for row in rows[20:120] for i in range(0, len(row), bpp)
               if row[i] > 150 and row[i + 1] < 60 and row[i + 2] < 70)
    assert reds > 0.5 * width * 100, f"no verdict banner in the screenshot ({reds} red pixels)"

    dom = run_chromium(tmp_path, "--dump-dom", page.as_uri()).stdout.decode()
    assert '<h1 class="verdict">Not conformant</h1>' in dom
    assert "<script" not in dom.lower()
    assert escape(HOSTILE, quote=False) in dom


def test_missing_chromium_fails_with_install_advice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(pytest.fail.Exception, match="apt-get install chromium-headless-shell"):
        chromium()

