"""What fuzzing one operation found, written for the person who has to reproduce it.

Each ``FuzzFailure`` carries the schemathesis failure (code, title, message), the status
the server answered, and a ``curl`` command that replays the request. Credentials never
appear in it: the value of every header whose name looks sensitive (``Authorization``,
``Cookie``, ``*token*``, ``*key*``, ``*secret*`` ...) becomes ``[Filtered]``, and every value
of a header the user passed becomes ``***`` wherever it occurs, whatever the header's name.
Schemathesis' own sanitizer is not used for this: it also rewrites *body* fields whose
names contain such words (``max_tokens``), and a curl that sends ``"max_tokens":
"[Filtered]"`` does not reproduce anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from llama_conformance.checks import Finding, finding
from llama_conformance.fuzz.ids import check_for_code
from llama_conformance.redact import Redactor

FILTERED = "[Filtered]"
SENSITIVE_HEADER = re.compile(r"auth|cookie|token|secret|passw|credential|api[-_]?key|session|signature", re.I)
# curl.generate writes headers as  -H 'Name: value'  with ' inside a value written as '"'"'
_CURL_HEADER = re.compile(r"""-H '([^':]+): ((?:[^']|'"'"')*)'""")


def redact_curl(command: str, redact: Redactor) -> str:
    """``command`` with sensitive header values filtered and every known secret replaced."""

    def header(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"-H '{name}: {FILTERED}'" if SENSITIVE_HEADER.search(name) else match.group(0)

    return redact(_CURL_HEADER.sub(header, command))


@dataclass(frozen=True)
class FuzzFailure:
    """One distinct failure of one operation."""

    operation: str
    code: str
    title: str
    message: str
    status: int | None
    curl: str
    count: int = 1

    def detail(self) -> str:
        """What the failure says after its ``[LEVEL id]`` tag: the code, the answer, how to reproduce it."""
        status = f" (HTTP {self.status})" if self.status is not None else ""
        seen = f" [seen {self.count}x]" if self.count > 1 else ""
        return f"{self.code} {self.title}{status}{seen}\n{self.message.strip()}\nReproduce with:\n  {self.curl}"

    def finding(self) -> Finding:
        """The failure as data: the kit check its code maps to (``fuzz.ids``), for the test's record."""
        return finding(check_for_code(self.code), self.detail())

    def __str__(self) -> str:
        return self.finding().render()


@dataclass
class OperationOutcome:
    """Cases run, failures found and why a run stopped, for one operation."""

    label: str
    cases: int = 0
    cases_by_mode: dict[str, int] = field(default_factory=dict)
    failures: list[FuzzFailure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stopped: str | None = None
    # Hypothesis runs that stopped before their budget, with no one's defect (``fuzz.drift``), and what the kit did
    # then: shown with the fuzz tally, never failed.
    ended_early: list[str] = field(default_factory=list)
    # Why the run could not spend its budget, for no one's defect but something whoever runs the kit can change
    # (the chains drifted on every rerun): what it judged stands, the rest is inconclusive.
    incomplete: str | None = None
    elapsed_s: float = 0.0
    # SHOULD-level findings taken out of ``failures`` (``fuzz.session.downgrade_should``): shown, not failed.
    warnings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors

    def summary(self) -> str:
        modes = ", ".join(f"{mode} {count}" for mode, count in self.cases_by_mode.items())
        stop = f"; stopped: {self.stopped}" if self.stopped else ""
        early = "".join(f"; {ended}" for ended in (*self.ended_early, *([self.incomplete] if self.incomplete else [])))
        return (f"{self.label}: {self.cases} case(s) ({modes or 'none'}) in {self.elapsed_s:.1f} s, "
                f"{len(self.failures)} failure(s), {len(self.errors)} error(s){stop}{early}")

    def findings(self) -> list[Finding]:
        return [failure.finding() for failure in self.failures]

    def unjudged_cause(self) -> str | None:
        """Why the fuzzer could not finish its work here, when nothing it judged failed, so its checks are not judged
        rather than failed or passed: an error of its own run (schemathesis could not build an operation, Hypothesis
        could not draw, a check crashed: most likely the kit's or its tools'), or a run left ``incomplete``.
        ``None``: the run did its work, or found failures that stand on their own."""
        if self.failures:
            return None
        if self.errors:
            return ("the fuzzer could not finish this run: " + "; ".join(self.errors) + ". Most likely a problem of "
                    "the kit or its tools (schemathesis, Hypothesis), so whoever maintains the kit must act: report it "
                    "to llama-conformance with this output (a defect of the deployment's published document shows "
                    "in test_openapi_document_is_usable)")
        return self.incomplete

    def report(self) -> str:
        """The text a failing pytest item shows: summary, then every failure and error in full."""
        parts = [self.summary()]
        parts += [f"\n{i}. {failure}" for i, failure in enumerate(self.failures, 1)]
        parts += [f"\nerror: {error}" for error in self.errors]
        return "\n".join(parts)
