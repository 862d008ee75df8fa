"""Medical specialties: a fixed catalogue with stable codes."""

from domain.specialties.catalog import SPECIALTIES, Specialty, is_known_specialty

__all__ = ["SPECIALTIES", "Specialty", "is_known_specialty"]
