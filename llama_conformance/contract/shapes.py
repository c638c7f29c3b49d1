"""What a generation's models ask of a payload the suites write in the newest shape.

The suites speak the newest contract (OpenAI-style messages, a tool's ``input_schema``); llama-stack 0.2
declared some of the same promises in other shapes. This module reads and writes those shapes, so
the suites judge a 0.2 provider by what its generation declares:

* a tool's arguments: since llama-stack-api 0.4 a ``ToolDef`` carries a JSON Schema (``input_schema``);
  0.2 declared a list instead (``ToolDef.parameters: list[ToolParameter]``, each a name, a
  ``parameter_type``, a description, ``required`` and a ``default``: llama_stack/apis/tools/tools.py:22-44
  in 0.2.14), read here as the same schema;
* a message: 0.2's assistant message (``CompletionMessage``, apis/inference/inference.py:178) requires a
  ``stop_reason`` an OpenAI-style ``{"role", "content"}`` lacks; ``message_payload`` adds what a role's
  model requires besides them.
"""

from __future__ import annotations

import enum
import typing
from types import ModuleType
from typing import Any

# ``parameter_type`` names seen in 0.2 tool groups besides JSON Schema's own (Python's, as its builtin
# tools wrote them); anything else is left untyped rather than guessed.
_JSON_TYPES = {"string": "string", "str": "string", "number": "number", "float": "number", "integer": "integer",
               "int": "integer", "boolean": "boolean", "bool": "boolean", "array": "array", "list": "array",
               "object": "object", "dict": "object"}


def tool_input_schema(tool: Any) -> dict[str, Any] | None:
    """The JSON Schema of ``tool``'s arguments: its ``input_schema``, else one built from 0.2's ``parameters``
    (None when it declares neither)."""
    if "input_schema" in getattr(type(tool), "model_fields", {"input_schema": None}):
        return getattr(tool, "input_schema", None)
    parameters = getattr(tool, "parameters", None)
    if parameters is None:
        return None
    properties: dict[str, Any] = {}
    for parameter in parameters:
        prop: dict[str, Any] = {"description": parameter.description}
        kind = _JSON_TYPES.get(str(parameter.parameter_type).lower())
        if kind is not None:
            prop["type"] = kind
        if parameter.default is not None:
            prop["default"] = parameter.default
        properties[parameter.name] = prop
    required = [p.name for p in parameters if p.required and p.default is None]
    return {"type": "object", "properties": properties, "required": required}


def _role_models(module: ModuleType) -> dict[str, type]:
    """The message model of each role in the generation's ``Message`` union (0.2: user, system, tool, assistant)."""
    found: dict[str, type] = {}
    union = getattr(module, "Message", None)
    for model in typing.get_args(typing.get_args(union)[0] if typing.get_origin(union) is typing.Annotated else union):
        role = getattr(model, "model_fields", {}).get("role")
        if role is not None and isinstance(role.default, str):
            found[role.default] = model
    return found


def message_payload(module: ModuleType, message: dict[str, Any]) -> dict[str, Any]:
    """``message`` with what its role's model requires besides role and content: a required enum field gets
    its first member (0.2's ``stop_reason``: ``end_of_turn``, the message is whole). Unchanged where the
    generation has no such ``Message`` union or requires nothing more (every generation since 0.4)."""
    model = _role_models(module).get(str(message.get("role")))
    if model is None:
        return message
    added = {}
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]
        kind = field.annotation
        if name not in message and field.is_required() and isinstance(kind, type) and issubclass(kind, enum.Enum):
            added[name] = next(iter(kind)).value
    return {**message, **added} if added else message
