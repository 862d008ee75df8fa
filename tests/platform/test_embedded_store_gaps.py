"""Counts agree with what `find` returns, also for ObjectId filters (the embedded store's
`count_documents` misses those), so list totals stay right on both stores."""

from bson import ObjectId

from config.settings import Settings
from domain.shared.counting import count_matching
from infra.mongo import create_mongo_client


async def test_count_matching_counts_objectid_filters(settings: Settings) -> None:
    client = create_mongo_client(settings.mongo)
    things = client[settings.mongo.db].things
    ids = [ObjectId() for _ in range(3)]
    await things.insert_many([{"_id": i, "role": "doctor", "n": n} for n, i in enumerate(ids)])
    assert await count_matching(things, {"_id": {"$in": ids[:2]}, "role": "doctor"}) == 2
    assert await count_matching(things, {"_id": ids[2]}) == 1
    assert await count_matching(things, {"role": "doctor", "n": {"$gte": 1}}) == 2
    client.close()
