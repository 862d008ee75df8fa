"""What every free-text field refuses, whatever its area."""

from __future__ import annotations

import re

from domain.shared.errors import InvalidInput

# C0 control characters but tab, line feed and carriage return: nothing a person types.
# A NUL or an escape sequence would end up in every client, notification, export and
# FHIR narrative that shows the text (XML cannot carry them at all).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def refuse_control_characters(value: str, field: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise InvalidInput("must not contain control characters", field=field)
    return value


# Names, numbers and codes are one line: a line break there could split a mail header or
# a CSV row that shows them, and no one types one into a name.
LINE_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def refuse_line_breaks(value: str, field: str) -> str:
    """One line of text: no control characters at all, tab and line breaks included."""
    if LINE_CONTROL_CHARACTERS.search(value):
        raise InvalidInput("must be one line without control characters", field=field)
    return value
