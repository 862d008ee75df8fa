"""The medications of a prescription: at least one, each fully described."""

from __future__ import annotations

from typing import Any

from domain.records.text import optional_text, required_text
from domain.shared.errors import InvalidInput

MAX_MEDICATIONS = 50
REQUIRED = ("name", "dosage", "frequency", "duration")
MAX_FIELD = 500
MAX_INSTRUCTIONS = 2000


def validate_medications(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise InvalidInput("at least one medication is required", field="medications")
    if len(value) > MAX_MEDICATIONS:
        raise InvalidInput(f"at most {MAX_MEDICATIONS} medications", field="medications")
    medications = []
    for index, item in enumerate(value):
        prefix = f"medications[{index}]"
        if not isinstance(item, dict):
            raise InvalidInput("must be an object", field=prefix)
        unknown = sorted(set(item) - {*REQUIRED, "instructions"})
        if unknown:
            raise InvalidInput("is not a medication field", field=f"{prefix}.{unknown[0]}")
        medication: dict[str, Any] = {
            name: required_text(item.get(name), f"{prefix}.{name}", MAX_FIELD) for name in REQUIRED
        }
        medication["instructions"] = optional_text(
            item.get("instructions"), f"{prefix}.instructions", MAX_INSTRUCTIONS
        )
        medications.append(medication)
    return medications
