from __future__ import annotations

from typing import NamedTuple


class Specialty(NamedTuple):
    code: str
    name: str


SPECIALTIES: tuple[Specialty, ...] = (
    Specialty("general_practice", "General practice"),
    Specialty("cardiology", "Cardiology"),
    Specialty("dermatology", "Dermatology"),
    Specialty("endocrinology", "Endocrinology"),
    Specialty("gastroenterology", "Gastroenterology"),
    Specialty("gynecology", "Gynecology and obstetrics"),
    Specialty("neurology", "Neurology"),
    Specialty("oncology", "Oncology"),
    Specialty("ophthalmology", "Ophthalmology"),
    Specialty("orthopedics", "Orthopedics"),
    Specialty("otorhinolaryngology", "Ear, nose and throat"),
    Specialty("pediatrics", "Pediatrics"),
    Specialty("psychiatry", "Psychiatry"),
    Specialty("pulmonology", "Pulmonology"),
    Specialty("radiology", "Radiology"),
    Specialty("rheumatology", "Rheumatology"),
    Specialty("urology", "Urology"),
    Specialty("nephrology", "Nephrology"),
    Specialty("dentistry", "Dentistry"),
    Specialty("physiotherapy", "Physiotherapy"),
)

_CODES = frozenset(s.code for s in SPECIALTIES)


def is_known_specialty(code: str) -> bool:
    return code in _CODES
