"""Text folded for matching what people type against what is stored.

A directory of French and Tunisian names is searched by people who leave accents out,
type in any case, and whose keyboards send either Unicode form (é, or e + U+0301). Both
sides of a match go through `fold`: the stored side once, as a key written next to the
text it folds, the typed side at each query, so a match is a plain comparison of keys.

`fold` makes compatibility forms plain (NFKD: ligatures, full-width letters), casefolds
(ß is "ss"), drops combining marks (accents, and Arabic vowel signs), spells out the
letters no decomposition splits (œ, æ, ø, ł, ...) and keeps letters and digits only.
Apostrophes, hyphens and spaces inside a name thus count for nothing: "D'Églantine"
folds to "deglantine", which "eglantine", "d'eglantine" and "d eglantine" (two words, each
found in it) all find; "Ben-Salah", "Ben Salah" and "bensalah" fold alike.

Stored keys depend on this function: changing what it returns means rewriting them
(`domain/discovery/keys.py`, whose migration id then takes a new version).
"""

from __future__ import annotations

import unicodedata

# Letters with no decomposition into a base letter and a mark, as people type them
# without the key for it. Lower case only: they are looked up after casefolding.
_SPELLED_OUT = str.maketrans(
    {
        "œ": "oe",
        "æ": "ae",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "ħ": "h",
        "þ": "th",
        "\u0131": "i",  # dotless i
        "\u0640": "",  # Arabic tatweel: stretches a word on screen, is no letter
    }
)


def fold(text: str) -> str:
    """The matching key of `text`: see the module's description."""
    plain = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    plain = plain.translate(_SPELLED_OUT)
    return "".join(c for c in plain if unicodedata.category(c)[0] in "LN")


def folded_words(text: str) -> list[str]:
    """The keys of the whitespace-separated words of `text`, leaving out those with no
    letter or digit (a lone "-" or "'")."""
    return [key for key in (fold(word) for word in text.split()) if key]


def composed(text: str) -> str:
    """`text` in Unicode NFC, the form stored text is kept in: what a client sent
    decomposed reads back, and compares, like what another sent composed."""
    return unicodedata.normalize("NFC", text)
