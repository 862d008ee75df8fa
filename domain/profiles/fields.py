"""Validation of profile fields: each problem names its field."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from domain.shared.errors import InvalidInput
from domain.shared.matching import composed
from domain.shared.parsing import parse_date
from domain.shared.text import refuse_control_characters
from domain.specialties import is_known_specialty

BLOOD_TYPES = ("A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-")
GENDERS = ("female", "male", "other", "undisclosed")
_PHONE = re.compile(r"^\+?[0-9 ().-]{6,24}$")


def text(value: Any, field: str, *, max_len: int, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput("is required", field=field)
        return None
    # Stored composed, whichever Unicode form the client sent: it reads back alike.
    value = composed(value) if isinstance(value, str) else value
    if not isinstance(value, str) or len(value) > max_len:
        raise InvalidInput(f"must be text of at most {max_len} characters", field=field)
    return refuse_control_characters(value, field).strip()


def phone(value: Any, field: str) -> str | None:
    if value is None:
        return None
    digits = re.sub(r"\D", "", value) if isinstance(value, str) else ""
    if not isinstance(value, str) or not _PHONE.match(value) or not 6 <= len(digits) <= 15:
        raise InvalidInput("must be a phone number such as +216 71 000 000", field=field)
    return value.strip()


def text_list(value: Any, field: str, *, max_items: int = 50, max_len: int = 100) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > max_items:
        raise InvalidInput(f"must be a list of at most {max_items} items", field=field)
    out: list[str] = []
    for index, item in enumerate(value):
        cleaned = text(item, f"{field}[{index}]", max_len=max_len, required=True)
        if cleaned is not None and cleaned not in out:
            out.append(cleaned)
    return out


def choice(value: Any, field: str, options: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if value not in options:
        raise InvalidInput("must be one of " + ", ".join(options), field=field)
    return str(value)


def number(value: Any, field: str, *, low: float, high: float, whole: bool = False) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput("must be a number", field=field)
    if whole and not float(value).is_integer():
        raise InvalidInput("must be a whole number", field=field)
    if not low <= value <= high:
        raise InvalidInput(f"must be between {low:g} and {high:g}", field=field)
    return int(value) if whole else value


def birth_date(value: Any, field: str, today: date) -> str | None:
    if value is None:
        return None
    day = parse_date(value, field)
    if day > today or day.year < 1900:
        raise InvalidInput("must be a past date after 1900", field=field)
    return day.isoformat()


def specialty(value: Any, field: str) -> str:
    if not isinstance(value, str) or not is_known_specialty(value):
        raise InvalidInput("must be a specialty code from GET /specialties", field=field)
    return value


def location(value: Any, field: str) -> dict[str, float] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidInput("must be an object {lat, lng}", field=field)
    lat = number(value.get("lat"), f"{field}.lat", low=-90, high=90)
    lng = number(value.get("lng"), f"{field}.lng", low=-180, high=180)
    if lat is None or lng is None:
        raise InvalidInput("needs both lat and lng", field=field)
    return {"lat": float(lat), "lng": float(lng)}


def emergency_contact(value: Any, field: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidInput("must be an object {name, phone, relationship?}", field=field)
    return {
        "name": text(value.get("name"), f"{field}.name", max_len=200, required=True),
        "phone": phone(value.get("phone"), f"{field}.phone") or _missing(f"{field}.phone"),
        "relationship": text(value.get("relationship"), f"{field}.relationship", max_len=100),
    }


def clinic(value: Any, field: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidInput("must be an object {name, address, city, location}", field=field)
    return {
        "name": text(value.get("name"), f"{field}.name", max_len=200),
        "address": text(value.get("address"), f"{field}.address", max_len=300),
        "city": text(value.get("city"), f"{field}.city", max_len=100),
        "location": location(value.get("location"), f"{field}.location"),
    }


def _missing(field: str) -> str:
    raise InvalidInput("is required", field=field)
