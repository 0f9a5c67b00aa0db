"""Provenance: a built model carries its document and the document's fingerprint.

``build`` sets two string attributes on the model (``hybridspec_document``, the canonical JSON
document, and ``hybridspec_fingerprint``, its sha256). A functional model's config has no room
for extra keys and stock layers none for data, so ``save`` writes the model with Keras's own
``model.save`` and then adds one entry, ``hybridspec/document.json``, to the ``.keras`` zip
archive; Keras's loader reads only the entries it knows, so the file still loads with plain
``keras.saving.load_model``. ``spec_of`` reads the document back from a model or a file.
No Keras import here.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from typing import Any

from ..specs import ModelSpec, SpecError
from ..specs.documents import from_data, replacing, to_data

ENTRY = "hybridspec/document.json"


def canonical(spec: ModelSpec) -> str:
    """The document as compact JSON with sorted keys: equal specs give equal text."""
    return json.dumps(to_data(spec), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(spec: ModelSpec) -> str:
    """``sha256:<hex>`` of the canonical document."""
    return "sha256:" + hashlib.sha256(canonical(spec).encode("utf-8")).hexdigest()


def attach(model: Any, spec: ModelSpec) -> None:
    """Record the spec's document and fingerprint on a built model."""
    model.hybridspec_document = canonical(spec)
    model.hybridspec_fingerprint = fingerprint(spec)


def save(model: Any, path: str | os.PathLike[str]) -> None:
    """Save a built model as a ``.keras`` file with its document inside, atomically."""
    document = getattr(model, "hybridspec_document", None)
    if document is None:
        raise SpecError("", "the model carries no hybridspec document; build it with hybridspec.build")
    payload = json.dumps({"fingerprint": model.hybridspec_fingerprint, "document": json.loads(document)},
                         indent=1, sort_keys=True)
    with replacing(path, ".keras") as tmp:  # Keras insists on the .keras suffix
        model.save(tmp)
        with zipfile.ZipFile(tmp, "a") as archive:
            archive.writestr(ENTRY, payload)


def spec_of(source: Any) -> ModelSpec:
    """The spec a model was built from: a model from ``build`` or a ``.keras`` file from ``save``;
    the fingerprint is verified."""
    if isinstance(source, str | os.PathLike):
        payload = _read(os.fspath(source))
        data, expected = payload.get("document"), payload.get("fingerprint")
    else:
        text = getattr(source, "hybridspec_document", None)
        if text is None:
            raise SpecError("", "this model carries no hybridspec document; pass the .keras file "
                            "written by hybridspec.save or hybridspec build")
        data, expected = json.loads(text), getattr(source, "hybridspec_fingerprint", None)
    spec = from_data(data)
    if fingerprint(spec) != expected:
        raise SpecError("", f"the stored document does not match its fingerprint {expected}; "
                        "the file was altered")
    return spec


def _read(path: str) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(path) as archive:
            payload = json.loads(archive.read(ENTRY).decode("utf-8"))
    except KeyError:
        raise SpecError("", f"{path} holds no hybridspec document ({ENTRY}); it was not saved "
                        "by hybridspec.save or hybridspec build") from None
    except (zipfile.BadZipFile, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SpecError("", f"{path} is not a readable .keras archive: {exc}") from None
    if not isinstance(payload, dict):
        raise SpecError("", f"{path}: {ENTRY} is not a mapping")
    return payload
