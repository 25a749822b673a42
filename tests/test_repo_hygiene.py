"""No credentials in the repository or its history; feed URLs are http(s) only."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Split so this file does not match its own patterns.
SECRET_PATTERNS = {
    "AWS access key id": r"\b(AKIA|ASIA)[0-9A-Z]{16}\b",
    "private key block": "-----BEGIN [A-Z ]*" + "PRIVATE KEY-----",
    "GitHub token": r"\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b",
    "Slack token": r"\bxox[abprs]-[A-Za-z0-9-]{10,}",
    "Google API key": r"\bAIza[0-9A-Za-z_-]{35}\b",
    "OpenAI-style key": r"\bsk-[A-Za-z0-9]{32,}\b",
    "password in a URL": r"[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^/\s:@'\"]{6,}@[^\s'\"]+",
    "assigned secret": r"(?i)\b(password|passwd|secret|api_key|apikey|access_token|auth_token)\b\s*[:=]\s*['\"][^'\"\s$<{]{12,}['\"]",
}
# Placeholder values a template may carry (airflow:airflow in a local compose URL, `changeme`).
ALLOWED = re.compile(r"(?i)changeme|example|placeholder|dummy|airflow:airflow@|user:pass(word)?@|<[^>]+>|\$\{")


def _git(*args: str) -> str:
    out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, check=True).stdout
    return out.decode("utf-8", errors="replace")  # the corpus holds binary and non-UTF-8 files


def _scan(text: str, where: str) -> list[str]:
    hits = []
    for name, pattern in SECRET_PATTERNS.items():
        for m in re.finditer(pattern, text):
            line = text[text.rfind("\n", 0, m.start()) + 1 : text.find("\n", m.end())]
            if not ALLOWED.search(line):
                hits.append(f"{where}: {name}: {line.strip()[:120]}")
    return hits


def _tracked() -> list[Path]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    return [ROOT / p for p in _git("ls-files", "-z").split("\0") if p]


def test_the_scanner_finds_a_planted_secret():
    planted = "aws_key = '" + "AKIA" + "ABCDEFGHIJKLMNOP" + "'\npassword = '" + "hunter2hunter2hunter2" + "'"
    assert len(_scan(planted, "planted")) == 2


def test_no_credentials_in_tracked_files():
    hits = []
    for path in _tracked():
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # binary corpus files
            hits += _scan(text, str(path.relative_to(ROOT)))
    assert hits == []


def test_no_credentials_in_history():
    _tracked()
    log = _git("log", "--all", "-p", "--no-color", "--no-ext-diff")
    added = "\n".join(line[1:] for line in log.splitlines() if line.startswith("+") and not line.startswith("+++"))
    assert _scan(added, "history") == []


def test_no_env_file_is_tracked():
    names = {p.name for p in _tracked()}
    assert not names & {".env", "credentials.json", "id_rsa", ".netrc"}


def test_feed_urls_are_http_or_https():
    feeds = ROOT / "dbt" / "seeds" / "feeds.csv"
    if not feeds.exists():
        pytest.skip("no feeds seed on this branch yet (the news branch adds dbt/seeds/feeds.csv)")
    with open(feeds, newline="", encoding="utf-8") as fh:
        urls = [row["url"].strip() for row in csv.DictReader(fh)]
    assert urls and all(re.match(r"^https?://[^\s/]+", u) for u in urls), [u for u in urls if not u.startswith("http")]


def test_every_aftershock_variable_is_a_documented_setting():
    """kernel.settings.Settings is the one list of AFTERSHOCK_* variables: one the code reads or sets
    that is not a field there (with a description) fails here, and so does a field no code uses."""
    from kernel.settings import Settings

    fields = {f"AFTERSHOCK_{name.upper()}": info for name, info in Settings.model_fields.items()}
    used = set()
    for folder in ("aftershock", "ingest", "expectations", "dags", "plugins", "dbt"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".yml", ".sql"} and "target" not in path.parts:
                used |= set(re.findall(r"AFTERSHOCK_[A-Z0-9_]*[A-Z0-9]", path.read_text(errors="replace")))
    assert used - set(fields) == set(), "add these to kernel.settings.Settings"
    assert {name for name, info in fields.items() if not info.description} == set()
    # a field read only through settings() is used by its attribute name
    attrs = {
        n
        for n in Settings.model_fields
        if any(
            f".{n}" in p.read_text()
            for folder in ("aftershock", "ingest", "expectations")
            for p in (ROOT / folder).rglob("*.py")
        )
    }
    unused = {name for name in fields if name not in used and name.removeprefix("AFTERSHOCK_").lower() not in attrs}
    assert unused == set(), f"settings no code uses: {sorted(unused)}"


def test_profiles_defaults_agree_with_the_settings():
    """dbt reads profiles.yml by itself (a user may run dbt by hand), so a setting it uses keeps a default
    there too; that default must be the one kernel.settings documents and the gate reads with."""
    from kernel.settings import Settings

    text = (ROOT / "dbt" / "profiles.yml").read_text()
    defaults = dict(re.findall(r"env_var\('AFTERSHOCK_([A-Z0-9_]+)', '([^']*)'\)", text))
    assert "DUCKDB_MEMORY" in defaults
    for name, default in defaults.items():
        field = Settings.model_fields[name.lower()]
        # A path default is relative to where each is read (dbt runs in dbt/): '../data' is 'data'.
        if field.default not in ("", None) and not isinstance(field.default, Path):
            assert str(field.default) == default, (
                f"AFTERSHOCK_{name}: profiles.yml {default!r}, settings {field.default!r}"
            )
