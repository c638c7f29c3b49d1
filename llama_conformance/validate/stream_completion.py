"""Invariants of chat and text completion streams (``OpenAIChatCompletionChunk``, streamed
``OpenAICompletion``), as the OpenAI streaming protocol the contract mirrors defines them.

- one completion: every chunk carries the first chunk's ``id``, ``object`` and ``model``;
- a choice's ``finish_reason`` arrives on its last chunk, and every choice gets one;
- ``usage`` (when the chunk type has it) arrives exactly once if the request set
  ``stream_options.include_usage`` (at most once otherwise), with or after the last chunk
  that carries choices, and adds up.

Text completions stream with ``finish_reason: null`` on intermediate chunks although the
contract forbids it: the erratum ``erratum.completion-finish-reason-null`` reports that once.
"""

from __future__ import annotations

from typing import Any

from llama_conformance.checks import Finding
from llama_conformance.validate.errata import COMPLETION_STREAM_ERRATA, DEFAULT_ERRATA
from llama_conformance.validate.ids import (
    STREAM_FINISH_LAST,
    STREAM_FINISH_PRESENT,
    STREAM_SAME_ID,
    STREAM_SAME_MODEL,
    STREAM_SAME_OBJECT,
    STREAM_USAGE_LAST,
    STREAM_USAGE_ONCE,
    STREAM_USAGE_TOTAL,
)
from llama_conformance.validate.stream_base import StreamChecker, field_of

_SAME = ((STREAM_SAME_ID, "id"), (STREAM_SAME_OBJECT, "object"), (STREAM_SAME_MODEL, "model"))


def usage_requested(request: Any) -> bool:
    """True when the request asks for streamed usage (``stream_options.include_usage``)."""
    return bool(field_of(field_of(request, "stream_options"), "include_usage"))


class CompletionStreamChecker(StreamChecker):
    """Chat completion chunks; the base of the text completion checker."""

    kind = "chat-completion"
    sample_nested = True  # hundreds of chunks per stream: see StreamChecker.sample_nested

    def __init__(self, chunk_type: Any, *, method: str, request: Any = None, in_process: bool | None = None,
                 errata: Any = DEFAULT_ERRATA) -> None:
        super().__init__(chunk_type, method=method, request=request, in_process=in_process, errata=errata)
        fields = getattr(chunk_type, "model_fields", {})
        self.has_usage = "usage" in fields
        self.usage_requested = usage_requested(request)
        self.first: tuple[Any, Any, Any] | None = None  # id, object, model of chunk #1
        # choice index -> the chunk number of its finish_reason, or 0 while it is open
        self.choices: dict[Any, int] = {}
        self.usage_at: list[int] = []

    def _observe(self, data: Any, findings: list[Finding]) -> bool:
        # Hot: runs on every chunk, so it is written for few bytecodes (subscripts inside one
        # try, no helper calls) rather than elegance. A malformed chunk (the schema check has
        # already reported it) falls back to the forgiving ``.get`` reading.
        try:
            ident = (data["id"], data["object"], data["model"])
            choices = data["choices"]
        except (KeyError, TypeError, IndexError):
            if type(data) is not dict:
                return False
            ident = (data.get("id"), data.get("object"), data.get("model"))
            choices = data.get("choices")
        if ident != self.first:
            if self.first is None:
                self.first = ident
            else:
                self._same_as_first(ident, findings)
        rare = False
        if choices and type(choices) is list:
            if self.usage_at:
                self._report(findings, STREAM_USAGE_LAST,
                             f"a chunk with choices follows the usage chunk #{self.usage_at[0]}",
                             path=("choices",), value=choices)
            state = self.choices
            position = -1
            for choice in choices:
                position += 1
                try:
                    index = choice["index"]
                    finish = choice["finish_reason"]
                except (KeyError, TypeError, IndexError):
                    if type(choice) is not dict:
                        continue
                    index, finish = choice.get("index"), choice.get("finish_reason")
                done = state.get(index)
                if done:
                    self._report(findings, STREAM_FINISH_LAST,
                                 f"choice {index!r} continues after its finish_reason on chunk #{done}",
                                 path=("choices", position), value=choice)
                elif finish is not None and finish != "":
                    # "" is no reason: llama-stack 0.2 requires a str on every chunk (OpenAIChunkChoice.finish_reason,
                    # apis/inference/inference.py:670 in 0.2.14), so a provider marks a mid-stream chunk with "".
                    state[index] = self.count
                    rare = True
                elif done is None:
                    state[index] = 0
        usage = data.get("usage")
        if usage is not None:
            self._usage(usage, findings)
            rare = True
        return rare

    def _same_as_first(self, key: tuple[Any, Any, Any], findings: list[Finding]) -> None:
        for (check_id, name), first, value in zip(_SAME, self.first or (), key, strict=True):
            if value != first:
                self._report(findings, check_id, f"differs from the first chunk's {name} {first!r}",
                             path=(name,), value=value)

    def _usage(self, usage: Any, findings: list[Finding]) -> None:
        self.usage_at.append(self.count)
        if len(self.usage_at) == 2:
            self._report(findings, STREAM_USAGE_ONCE,
                         f"usage arrives again (first on chunk #{self.usage_at[0]}); it must come once",
                         path=("usage",), value=usage)
        if isinstance(usage, dict):
            prompt, completion, total = (usage.get(k) for k in ("prompt_tokens", "completion_tokens", "total_tokens"))
            if isinstance(prompt, int) and isinstance(completion, int) and isinstance(total, int) \
                    and prompt + completion != total:
                self._report(findings, STREAM_USAGE_TOTAL,
                             f"prompt_tokens {prompt} + completion_tokens {completion} != total_tokens {total}",
                             path=("usage",), value=usage)

    def _conclude(self, findings: list[Finding]) -> None:
        for index, finished in self.choices.items():
            if not finished:
                self._report(findings, STREAM_FINISH_PRESENT,
                             f"choice {index!r} appeared but no chunk gave it a finish_reason",
                             path=("choices",), where="stream end")
        if self.has_usage and self.usage_requested and not self.usage_at:
            self._report(findings, STREAM_USAGE_ONCE,
                         "the request set stream_options.include_usage, but no chunk carried usage",
                         path=("usage",), where="stream end")


class TextCompletionStreamChecker(CompletionStreamChecker):
    """Streamed ``OpenAICompletion`` chunks: the chat rules plus the finish_reason erratum."""

    kind = "text-completion"

    def __init__(self, chunk_type: Any, *, method: str, request: Any = None, in_process: bool | None = None,
                 errata: Any = COMPLETION_STREAM_ERRATA) -> None:
        super().__init__(chunk_type, method=method, request=request, in_process=in_process, errata=errata)
