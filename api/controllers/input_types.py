"""Field types of request bodies that take only the JSON type they name.

Litestar validates bodies in pydantic's lax mode (strict=False, which overrides a model's
or a field's own `strict`), so `true` or "1" became the weekday 1 (Tuesday), `true` an hour
of cancellation notice, "yes" a switched-on notification. These refuse anything but the
JSON type itself, whatever the mode.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator


def _integer(value: Any) -> Any:
    if type(value) is not int:  # bool is an int subclass; "30" and 30.0 are not integers
        raise ValueError("must be a whole number")
    return value


def _boolean(value: Any) -> Any:
    if type(value) is not bool:
        raise ValueError("must be true or false")
    return value


WholeNumber = Annotated[int, BeforeValidator(_integer)]
Switch = Annotated[bool, BeforeValidator(_boolean)]
