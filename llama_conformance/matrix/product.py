"""``PRODUCT.yaml``: who a target's report is about, so a report folder describes itself when published.

Modelled on the Kubernetes conformance submissions' ``PRODUCT.yaml``: a vendor names the
product, where it comes from and whom to ask. It is read once per target and copied beside
each of its reports; a file that cannot be read is the submitter's problem (exit 4), not a
verdict.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from llama_conformance.matrix.targets import TargetsError

FIELDS = ("name", "distribution", "version", "repository", "contact", "description")
REQUIRED = ("name", "repository", "contact")


def load_product(path: Path, target: str) -> dict[str, str]:
    """The product identity of ``path``: the required fields present, every field a string."""
    import yaml

    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        said = " ".join(str(exc).split())
        raise TargetsError(f"target {target!r}: cannot read its product file {path}: {said}") from None
    if not isinstance(data, dict):
        raise TargetsError(f"target {target!r}: {path} must be a mapping with {', '.join(FIELDS)}.")
    missing = [f for f in REQUIRED if not isinstance(data.get(f), str) or not data[f].strip()]
    unknown = sorted(set(data) - set(FIELDS))
    if missing or unknown:
        raise TargetsError(f"target {target!r}: {path} "
                           + (f"lacks {', '.join(missing)}" if missing else "")
                           + ("; " if missing and unknown else "")
                           + (f"has unknown field(s) {', '.join(unknown)}" if unknown else "")
                           + f" (a product file takes {', '.join(FIELDS)}; {', '.join(REQUIRED)} are required).")
    return {f: str(data[f]) for f in FIELDS if data.get(f) is not None}
