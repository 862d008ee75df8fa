"""The fixed material demo data is drawn from (deterministic, so reruns agree)."""

from __future__ import annotations

from typing import NamedTuple


class City(NamedTuple):
    name: str
    lat: float
    lng: float
    timezone: str


CITIES = (
    City("Tunis", 36.8065, 10.1815, "Africa/Tunis"),
    City("Sfax", 34.7406, 10.7603, "Africa/Tunis"),
    City("Sousse", 35.8256, 10.6084, "Africa/Tunis"),
    City("Bizerte", 37.2744, 9.8739, "Africa/Tunis"),
    City("Paris", 48.8566, 2.3522, "Europe/Paris"),
    City("Lyon", 45.7640, 4.8357, "Europe/Paris"),
)

FIRST_NAMES = (
    "Amel", "Karim", "Sami", "Leila", "Youssef", "Ines", "Mehdi", "Sarra", "Omar", "Nour",
    "Hedi", "Rim", "Anis", "Yasmine", "Walid", "Salma", "Claire", "Julien", "Camille", "Hugo",
)  # fmt: skip
LAST_NAMES = (
    "Ben Salah", "Trabelsi", "Gharbi", "Jaziri", "Mansour", "Bouazizi", "Chaabane", "Haddad",
    "Khelifi", "Sassi", "Martin", "Bernard", "Dubois", "Lefebvre", "Moreau", "Laurent",
)  # fmt: skip
LANGUAGES = (("ar", "fr"), ("fr", "en"), ("ar", "fr", "en"), ("fr",))
REASONS = ("Check-up", "Follow-up visit", "Persistent cough", "Back pain", "Skin rash",
           "Headaches", "Blood pressure review", "Vaccination advice")  # fmt: skip
COMPLAINTS = ("Fatigue for two weeks", "Lower back pain", "Seasonal allergies",
              "Recurring headaches", "Mild fever")  # fmt: skip
MEDICATIONS = (
    {"name": "Paracetamol", "dosage": "500 mg", "frequency": "3 times a day", "duration": "5 days"},
    {"name": "Ibuprofen", "dosage": "200 mg", "frequency": "twice a day", "duration": "3 days"},
    {"name": "Cetirizine", "dosage": "10 mg", "frequency": "once a day", "duration": "14 days"},
)
MESSAGES = (
    "Hello doctor, I have a question about my treatment.",
    "Of course, how can I help?",
    "Should I take the tablets before or after meals?",
    "After meals, with a glass of water.",
)
