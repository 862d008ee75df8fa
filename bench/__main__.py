"""`make bench`: runs every benchmark module and writes bench/results/latest.md."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Each module exposes run() -> list of rows {id, measure, ratio, target, raw}.
MODULES = ["bench.auth_login", "bench.appointments", "bench.events", "bench.chat", "bench.exports"]
RESULTS = Path(__file__).parent / "results"


def _meets(ratio: float, target: str) -> str:
    op, _, value = target.partition(" ")
    try:
        bound = float(value)
    except ValueError:
        return "?"
    ok = ratio >= bound if op == "≥" else ratio <= bound
    return "yes" if ok else "NO"


def render(rows: list[dict[str, Any]], failures: list[str]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, against the embedded stack. Each ratio is "
        "taken against a baseline measured in the same run.",
        "",
        "| id | measure | ratio | target | met | raw figures |",
        "|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=lambda r: r["id"]):
        lines.append(
            f"| {r['id']} | {r['measure']} | {r['ratio']} | {r['target']} | "
            f"{_meets(r['ratio'], r['target'])} | {r['raw']} |"
        )
    if failures:
        lines += ["", "Benchmarks that did not run:", ""] + [f"- {f}" for f in failures]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("only", nargs="*", help="module names, e.g. auth_login events")
    args = parser.parse_args()
    modules = [m for m in MODULES if not args.only or m.split(".")[-1] in args.only]
    # Rows of modules not run this time are kept from the previous results.
    previous = RESULTS / "latest.json"
    kept = json.loads(previous.read_text()) if previous.exists() and args.only else []
    rows: list[dict[str, Any]] = [r for r in kept if r.get("module") not in modules]
    failures: list[str] = []
    for name in modules:
        started = time.monotonic()
        print(f"running {name} …", flush=True)
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                failures.append(f"{name}: not written yet")
                continue
            raise
        try:
            produced = module.run()
        except Exception:
            failures.append(f"{name}: failed — {traceback.format_exc(limit=3).splitlines()[-1]}")
            continue
        for r in produced:
            r["module"] = name
            print(f"  {r['id']}: {r['measure']} = {r['ratio']} (target {r['target']})")
        rows += produced
        print(f"  done in {time.monotonic() - started:.0f}s", flush=True)
    # A measure run now replaces its earlier figure (rows are keyed by id and measure).
    rows = list({(r["id"], r["measure"]): r for r in rows}.values())
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.md").write_text(render(rows, failures))
    (RESULTS / "latest.json").write_text(json.dumps(rows, indent=2))
    print(f"wrote {RESULTS / 'latest.md'}")


if __name__ == "__main__":
    main()
