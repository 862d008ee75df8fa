"""Runs transactions against the store, some committed, some aborted (a test's subprocess)."""

import asyncio
import os
import sys

from config.settings import MongoSettings
from domain.shared import transaction as txn
from infra.mongo import create_mongo_client


async def main(tag: str, count: int, isolate: bool) -> None:
    if isolate is False:

        async def never(_client):  # type: ignore[no-untyped-def]
            return True  # pretend the store isolates: no turn-taking

        txn.isolates_transactions = never  # type: ignore[assignment]
    client = create_mongo_client(MongoSettings())
    db = client[os.environ["MONGODB_DB"]]
    errors = 0
    for n in range(count):
        try:
            async with txn.transaction(client) as session:
                await db.left.insert_one({"tag": tag, "n": n}, session=session)
                await asyncio.sleep(0.001)
                await db.right.insert_one({"tag": tag, "n": n}, session=session)
                if n % 2:
                    raise RuntimeError("abort")
        except RuntimeError:
            pass
        except Exception:
            errors += 1
    print(errors)
    client.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3] == "isolate"))
