"""What the typed response models share with the domain views they describe."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    WrapValidator,
    model_serializer,
)


class ViewOut(BaseModel):
    """The shape of a domain view. A key the view leaves out in some states (`distance_km`
    without a position, `patient_cancellable_until` without a notice) stays out of the
    answer: clients tell "absent" from null, and did before these routes were typed."""

    @model_serializer(mode="wrap")
    def _keys_the_view_gave(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        given = self.model_fields_set
        return {key: value for key, value in handler(self).items() if key in given}


def _whole_stays_whole(value: Any, handler: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return handler(value)


# A JSON number given back as stored: a fee of 40 stays 40, not 40.0. (`int | float` would
# render as a oneOf that 40 matches twice, which a validating client rejects.)
Number = Annotated[float, WrapValidator(_whole_stays_whole), PlainSerializer(lambda v: v)]
