"""Numeric bounds the suites share with dbt, read from the dbt manifest instead of repeated here.

A column's bound is declared once, as a `value_between` test in the model's dbt YAML
(dbt/tests/generic/value_between.sql): dbt runs it on every build, and `dbt_between` turns the same
numbers into the GX expectation of the gate, which names the offending rows of a warehouse changed
after dbt tested it. The manifest is the one of the building project (`dbt build` writes it to the
build workspace's dbt_target/ before the gate runs); without one (a gate run on a copied warehouse),
the project's parsed manifest (aftershock.orchestration.ensure_manifest, `dbt parse` when missing).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from expectations.registry import between

TEST = "value_between"


def manifest_path() -> Path:
    from aftershock.paths import build_workspace

    built = build_workspace() / "dbt_target" / "manifest.json"
    if built.is_file():
        return built
    from aftershock.orchestration import ensure_manifest

    return ensure_manifest()


@functools.lru_cache(maxsize=4)
def _bounds(path: str, mtime_ns: int) -> dict[tuple[str, str], list[dict]]:
    """(model, column) -> the kwargs of each value_between test on it."""
    nodes = json.loads(Path(path).read_text())["nodes"]
    found: dict[tuple[str, str], list[dict]] = {}
    for node in nodes.values():
        meta = node.get("test_metadata") or {}
        if node.get("resource_type") != "test" or meta.get("name") != TEST:
            continue
        model = nodes.get(node.get("attached_node") or "", {}).get("name")
        found.setdefault((model, node.get("column_name")), []).append(meta.get("kwargs") or {})
    return found


def bound(model: str, column: str) -> dict:
    """The value_between arguments (min_value, max_value, strict_min, strict_max) dbt declares for model.column."""
    path = manifest_path()
    tests = _bounds(str(path), path.stat().st_mtime_ns).get((model, column), [])
    if len(tests) != 1:
        raise LookupError(
            f"the dbt manifest {path} has {len(tests)} {TEST} tests on {model}.{column}, not one: "
            "declare its bound once, in the model's YAML"
        )
    return tests[0]


def dbt_between(model: str, column: str):
    """The GX expectation of the bound dbt declares for model.column (nulls pass, as in dbt)."""
    b = bound(model, column)
    return between(
        column,
        b.get("min_value"),
        b.get("max_value"),
        strict_lo=bool(b.get("strict_min")),
        strict_hi=bool(b.get("strict_max")),
    )
