"""Pages and totals agree with the data wherever the page falls (the total is counted only
when the page does not reach the end of the list)."""

from __future__ import annotations

from typing import Any

import pytest

from domain.shared.counting import page_and_total


@pytest.mark.parametrize(
    ("stored", "skip", "limit", "page_len", "total"),
    [
        (0, 0, 20, 0, 0),  # empty list
        (7, 0, 20, 7, 7),  # fits on one page
        (20, 0, 20, 20, 20),  # exactly one page
        (21, 0, 20, 20, 21),  # one more than a page
        (45, 20, 20, 20, 45),  # a middle page
        (45, 40, 20, 5, 45),  # the last, short page
        (45, 60, 20, 0, 45),  # past the end
    ],
)
async def test_page_and_total(
    db: Any, stored: int, skip: int, limit: int, page_len: int, total: int
) -> None:
    things = db.things
    if stored:
        await things.insert_many([{"n": n, "kind": "a"} for n in range(stored)])
    await things.insert_many([{"n": n, "kind": "b"} for n in range(3)])  # never matched

    page, counted = await page_and_total(things, {"kind": "a"}, [("n", -1)], skip, limit)

    assert counted == total
    assert [doc["n"] for doc in page] == list(range(stored - 1, -1, -1))[skip : skip + limit]
    assert len(page) == page_len
