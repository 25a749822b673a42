"""dbt project hygiene, in the spirit of dbt-project-evaluator's rules, checked on the manifest of
the demo's build: every model has a primary-key test and a described YAML entry beside it,
no staging or intermediate model reads a mart, every source used declares freshness (or says why
not), and no YAML description was cut short by the YAML parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DBT = ROOT / "dbt"

# source unique id -> why it has no freshness (none today: every lake source declares it)
FRESHNESS_EXEMPT: dict[str, str] = {}


@pytest.fixture(scope="module")
def manifest(demo_dir) -> dict:
    # The manifest of the demo's build: the bundled project as `aftershock build` parses it (a `dbt
    # parse` of its own cost this file 4 to 5 CPU s; a fresh directory's parse is tested in
    # tests/test_airflow_dags.py).
    return json.loads((demo_dir / "build" / "dbt_target" / "manifest.json").read_text())


def _models(manifest: dict) -> dict[str, dict]:
    return {k: n for k, n in manifest["nodes"].items() if n["resource_type"] == "model"}


def _layer(node: dict) -> str:
    return Path(node["original_file_path"]).parts[1]  # models/<layer>/...


def test_every_model_has_a_primary_key_test(manifest):
    tests: dict[str, list[tuple[str, str | None]]] = {}
    for t in manifest["nodes"].values():
        if t["resource_type"] == "test" and t.get("test_metadata") and t.get("attached_node"):
            tests.setdefault(t["attached_node"], []).append((t["test_metadata"]["name"], t.get("column_name")))
    missing = []
    for key in _models(manifest):
        found = tests.get(key, [])
        unique = {c for name, c in found if name == "unique" and c}
        not_null = {c for name, c in found if name == "not_null" and c}
        keys = ("primary_key", "unique_combination")
        if not (unique & not_null or any(name in keys for name, _ in found)):
            missing.append(key)
    assert len(_models(manifest)) >= 60
    assert missing == [], "models without a primary_key or unique_combination test, or unique + not_null on one column"


def test_no_staging_or_intermediate_model_reads_a_mart(manifest):
    nodes = manifest["nodes"]
    wrong = [
        (key, dep)
        for key, node in _models(manifest).items()
        if _layer(node) in ("staging", "intermediate")
        for dep in node["depends_on"]["nodes"]
        if dep in nodes and nodes[dep]["resource_type"] == "model" and _layer(nodes[dep]) == "marts"
    ]
    assert wrong == []


def test_every_source_used_declares_freshness(manifest):
    used = {dep for n in manifest["nodes"].values() for dep in n.get("depends_on", {}).get("nodes", [])}
    used = {u for u in used if u.startswith("source.")}
    assert used >= {f"source.aftershock.lake.{s}" for s in ("prices", "shares", "wealth", "news", "feed_polls")}
    without = []
    for key in sorted(used):
        fresh = manifest["sources"][key].get("freshness") or {}
        declared = any((fresh.get(level) or {}).get("count") for level in ("warn_after", "error_after"))
        if not declared and key not in FRESHNESS_EXEMPT:
            without.append(key)
        if declared:
            assert manifest["sources"][key]["loaded_at_field"], key
    assert without == []
    assert manifest["sources"]["source.aftershock.lake.feed_polls"]["loaded_at_field"] == "polled_at"


def test_every_model_has_a_described_yaml_entry_in_its_place(manifest):
    wrong = []
    for key, node in _models(manifest).items():
        patch = (node.get("patch_path") or "").removeprefix("aftershock://")
        if not patch or not node["description"].strip():
            wrong.append((key, "no YAML entry with a description"))
            continue
        sql = Path(node["original_file_path"])
        if _layer(node) in ("intermediate", "marts") and Path(patch) != sql.with_suffix(".yml"):
            wrong.append((key, f"YAML in {patch}, not beside the model as {sql.with_suffix('.yml')}"))
        if _layer(node) == "staging" and (sql.parent.name == "lake") != (Path(patch).parent.name == "lake"):
            wrong.append((key, f"YAML in {patch}, not in the model's folder"))
    assert wrong == []
    for unit in manifest["unit_tests"].values():  # a model's unit tests live in its YAML
        model = manifest["nodes"][unit["depends_on"]["nodes"][0]]
        assert unit["original_file_path"] == model["patch_path"].removeprefix("aftershock://"), unit["name"]


def test_lake_models_and_their_sources_are_under_staging_lake(manifest):
    for key, node in _models(manifest).items():
        reads_lake = any(d.startswith("source.aftershock.lake.") for d in node["depends_on"]["nodes"])
        assert reads_lake == node["original_file_path"].startswith("models/staging/lake/"), key
    for key, src in manifest["sources"].items():
        assert src["original_file_path"] == "models/staging/lake/_lake__sources.yml", key


def _cut_descriptions(obj, path: Path, out: list) -> None:
    # `{name: x, description: A, b}` parses as description "A" plus a stray key "b" with no value
    if isinstance(obj, dict):
        if "description" in obj:
            out += [(str(path), obj.get("name"), k) for k, v in obj.items() if v is None and k != "description"]
        for v in obj.values():
            _cut_descriptions(v, path, out)
    elif isinstance(obj, list):
        for v in obj:
            _cut_descriptions(v, path, out)


def test_no_yaml_description_is_cut_short(manifest):
    cut: list = []
    for path in sorted((DBT / "models").rglob("*.yml")):
        _cut_descriptions(yaml.safe_load(path.read_text()), path.relative_to(ROOT), cut)
    assert cut == [], "quote these descriptions: an unquoted comma in a flow mapping ends the value"
    # what the author wrote is what the docs show (spot checks of descriptions once cut)
    cols = manifest["nodes"]["model.aftershock.stg_feeds"]["columns"]
    assert cols["language"]["description"] == "ISO 639-1 language, lower case."
    src = manifest["sources"]["source.aftershock.lake.news"]["columns"]
    assert src["publisher"]["description"] == "Publisher from the feeds seed, else the feed's own title."
