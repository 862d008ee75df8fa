"""Vital signs: known measures only, each within a range a human body can show.

The ranges are wide on purpose (they catch typing slips such as 370 for 37.0, not
clinical abnormality); units are part of each name so no value is ambiguous.
"""

from __future__ import annotations

from typing import Any

from domain.shared.errors import InvalidInput

RANGES: dict[str, tuple[float, float]] = {
    "temperature_c": (30.0, 45.0),
    "heart_rate_bpm": (20, 250),
    "respiratory_rate_bpm": (4, 80),
    "systolic_bp_mmhg": (50, 260),
    "diastolic_bp_mmhg": (20, 180),
    "oxygen_saturation_pct": (50, 100),
    "weight_kg": (0.3, 500),
    "height_cm": (20, 260),
    "blood_glucose_mmol_l": (0.5, 60),
}


def validate_vitals(value: Any) -> dict[str, float] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidInput("must be an object of measures", field="vitals")
    vitals: dict[str, float] = {}
    for name, raw in value.items():
        field = f"vitals.{name}"
        if name not in RANGES:
            raise InvalidInput("is not a known measure: " + ", ".join(RANGES), field=field)
        if raw is None:
            continue
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise InvalidInput("must be a number", field=field)
        low, high = RANGES[name]
        if not low <= raw <= high:
            raise InvalidInput(f"must be between {low:g} and {high:g}", field=field)
        vitals[name] = raw
    systolic, diastolic = vitals.get("systolic_bp_mmhg"), vitals.get("diastolic_bp_mmhg")
    if systolic is not None and diastolic is not None and diastolic >= systolic:
        raise InvalidInput("must be lower than systolic_bp_mmhg", field="vitals.diastolic_bp_mmhg")
    return vitals
