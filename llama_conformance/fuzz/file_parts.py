"""A type mutation of a multipart file part is not invalid data: the server receives bytes.

Schemathesis' negative mode may turn a ``format: binary`` field of a multipart body into a
boolean or a number. On the wire that is a file part whose bytes read ``false`` or ``42``:
a valid file. Schemathesis 4.32 keeps file parts as generated when it asks whether the
form it sent is still valid, so an upload endpoint that accepts the file is reported as
accepting invalid data (ST201). Seen on the kit's reference deployment: ``POST /v1/files``,
``violates `type` at /properties/file (was string, became boolean)``, answered 200.

Only that exact case is set aside: every mutation the case describes is a ``type`` change
of a binary property, the body is multipart, and nothing outside the body was negated. A
missing required file, or a broken ``purpose``, is still invalid data that must be refused.
"""

from __future__ import annotations

import re
from typing import Any

_MUTATION = re.compile(r"violates `([^`]+)` at /properties/([^/\s]+)")


def _is_binary(schema: Any) -> bool:
    return isinstance(schema, dict) and (schema.get("format") == "binary" or "contentMediaType" in schema
                                         or "contentEncoding" in schema)


def _body_properties(case: Any) -> dict[str, Any]:
    """The multipart body's properties with references resolved (schemathesis bundles the document)."""
    body = case.operation.get_body_for_media_type(case.media_type)
    properties = getattr(body, "form_properties", None)
    return properties if isinstance(properties, dict) else {}


def only_file_parts_retyped(case: Any) -> bool:
    """Whether ``case`` is negative only by a type change of multipart file parts (so it is valid as sent)."""
    from schemathesis.core.parameters import ParameterLocation

    meta = getattr(case, "meta", None)
    media_type = getattr(case, "media_type", None) or ""
    if meta is None or not media_type.startswith("multipart/form-data"):
        return False
    try:
        if not meta.is_negative_at(ParameterLocation.BODY) or any(
                meta.is_negative_at(location) for location in
                (ParameterLocation.PATH, ParameterLocation.QUERY, ParameterLocation.HEADER, ParameterLocation.COOKIE)):
            return False
        description = meta.phase.data.description or ""
        mutations = _MUTATION.findall(description)
        if not mutations or len(mutations) != description.count("violates `"):
            return False
        properties = _body_properties(case)
    except Exception:  # schemathesis internals moved: judge the case as schemathesis does
        return False
    return all(keyword == "type" and _is_binary(properties.get(name)) for keyword, name in mutations)
