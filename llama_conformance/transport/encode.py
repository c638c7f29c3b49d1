"""Turn a protocol call (request model, keywords, uploads) into the HTTP request its route expects.

Where each value goes is the route's business (``RouteSpec``): path, query, multipart form
and files, or the JSON body made of the fields the path and query did not take. Request
models are dumped in JSON mode with only the fields that were set, so the server fills
defaults exactly as it would for a client that left them out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal, get_args, get_origin
from urllib.parse import quote

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from llama_conformance.contract.routes import RouteSpec


@dataclass
class HttpCall:
    method: str
    path: str
    params: list[tuple[str, str]] = field(default_factory=list)
    json: Any = None
    data: dict[str, str] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None

    def as_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if self.params:
            kwargs["params"] = self.params
        if self.files is not None or self.data is not None:
            kwargs["data"] = self.data or {}
            kwargs["files"] = self.files or {}
        elif self.json is not None:
            kwargs["json"] = self.json
        return kwargs


def _is_upload(value: Any) -> bool:
    return hasattr(value, "filename") and (hasattr(value, "file") or hasattr(value, "read"))


def _upload_part(upload: Any) -> tuple[str, bytes, str]:
    handle = getattr(upload, "file", upload)
    position = handle.tell() if hasattr(handle, "tell") else None
    content = handle.read()
    if position is not None and hasattr(handle, "seek"):
        handle.seek(position)  # the caller may read it again (the in-process suites do)
    content_type = getattr(upload, "content_type", None) or "application/octet-stream"
    return upload.filename or "upload.bin", bytes(content), content_type


def dump_sent(model: BaseModel) -> dict[str, Any]:
    """The JSON a client sends for ``model``: the fields it set, and every union tag.

    ``exclude_unset`` keeps a request as the caller wrote it (defaults stay the server's), but
    it also drops a tag left at its default (``VectorStoreChunkingStrategyStatic.type``), and
    the router then cannot tell the union's members apart (400 ``union_tag_not_found``). A
    one-value ``Literal`` field is a tag: it is always sent, at any depth.
    """
    data = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    _restore_tags(model, data)
    return data


def _restore_tags(value: Any, data: Any) -> None:
    if isinstance(value, BaseModel) and isinstance(data, dict):
        for name, field in type(value).model_fields.items():
            key = field.alias or name
            if key not in data and get_origin(field.annotation) is Literal and len(get_args(field.annotation)) == 1:
                data[key] = to_jsonable_python(getattr(value, name))
            elif key in data:
                _restore_tags(getattr(value, name), data[key])
    elif isinstance(value, list | tuple) and isinstance(data, list):
        for item, dumped in zip(value, data, strict=False):
            _restore_tags(item, dumped)
    elif isinstance(value, dict) and isinstance(data, dict):
        for key, item in value.items():
            if key in data:
                _restore_tags(item, data[key])


def _fields(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    values: dict[str, Any] = {}
    uploads: list[Any] = []
    for value in (*args, *kwargs.values()):
        if isinstance(value, BaseModel):
            values.update(dump_sent(value))
        elif _is_upload(value):
            uploads.append(value)
    for name, value in kwargs.items():
        if not isinstance(value, BaseModel) and not _is_upload(value):
            values[name] = to_jsonable_python(value)
    return values, uploads


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _path(route: RouteSpec, values: dict[str, Any]) -> str:
    path = route.path
    values = _renamed_path_value(route, values)
    for name in route.path_params:
        if name not in values:
            raise TypeError(f"{route.label} needs path parameter {name!r}, which the call did not give")
        raw = str(values[name])
        path = path.replace("{" + name + ":path}", quote(raw, safe="/")).replace("{" + name + "}", quote(raw, safe=""))
    return path


def _renamed_path_value(route: RouteSpec, values: dict[str, Any]) -> dict[str, Any]:
    """A route may name its one path parameter otherwise than its request model's one field (the
    Messages batch routes: ``message_batch_id`` in the path, ``batch_id`` in the model, which the route
    builds from it): a bodiless route's one unclaimed value fills its one missing path parameter."""
    missing = [name for name in route.path_params if name not in values]
    if len(missing) != 1 or route.json_body or route.file_params or route.form_params:
        return values
    spare = [name for name in values if name not in route.path_params and name not in route.query_params]
    return {**values, missing[0]: values[spare[0]]} if len(spare) == 1 else values


def _query(route: RouteSpec, values: dict[str, Any]) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    for name in route.query_params:
        value = values.get(name)
        if value is None:
            continue
        if isinstance(value, list):
            params += [(name, _text(item)) for item in value]
        else:
            params.append((name, _text(value)))
    return params


def encode_call(route: RouteSpec, args: tuple[Any, ...], kwargs: dict[str, Any]) -> HttpCall:
    values, uploads = _fields(args, kwargs)
    call = HttpCall(method=route.method, path=_path(route, values), params=_query(route, values))
    taken = set(route.path_params) | set(route.query_params)
    if route.file_params or route.form_params:
        call.data = {name: _text(values[name]) for name in route.form_params if values.get(name) is not None}
        call.files = {name: _upload_part(upload) for name, upload in zip(route.file_params, uploads, strict=False)}
    elif route.json_body:
        call.json = {name: value for name, value in values.items() if name not in taken}
    elif route.embedded_body:
        call.json = {name: values.get(name) for name in route.embedded_body}
    return call
