"""Great-circle distance and the bounding box that prefilters it.

The box uses plain latitude/longitude ranges, which any store can answer from ordinary
indexes (the embedded store has no geo operators); the exact haversine distance then
decides.
"""

from __future__ import annotations

import math
from typing import Any

EARTH_RADIUS_KM = 6371.0088  # mean radius
KM_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_KM / 180


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lng: float, radius_km: float) -> dict[str, Any]:
    """A query on `lat`/`lng` fields matching at least every point within `radius_km`."""
    dlat = radius_km / KM_PER_DEGREE_LAT
    south, north = lat - dlat, lat + dlat
    query: dict[str, Any] = {"lat": {"$gte": max(-90.0, south), "$lte": min(90.0, north)}}
    if south <= -90 or north >= 90:
        return query  # the circle covers a pole: every longitude
    # Widest longitude span is at the latitude of the box edge closest to a pole.
    widest = max(abs(south), abs(north))
    cos = math.cos(math.radians(widest))
    dlng = radius_km / (KM_PER_DEGREE_LAT * cos) if cos > 1e-9 else 360.0
    if dlng >= 180:
        return query
    west, east = lng - dlng, lng + dlng
    if west < -180:  # crosses the antimeridian
        query["$or"] = [{"lng": {"$gte": west + 360}}, {"lng": {"$lte": east}}]
    elif east > 180:
        query["$or"] = [{"lng": {"$gte": west}}, {"lng": {"$lte": east - 360}}]
    else:
        query["lng"] = {"$gte": west, "$lte": east}
    return query
