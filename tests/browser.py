"""Headless Chromium for the tests: the DOM after scripts ran, the console messages, a screenshot.

Every run blocks name resolution for anything but 127.0.0.1, so a page that needs the internet
shows it (missing content, console errors) instead of quietly fetching.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)
requires_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not installed (Debian package chromium)"
)
_CONSOLE = re.compile(r":CONSOLE[:(\]].*")


def _run(url: str, *mode: str, budget_ms: int = 5000, timeout: int = 120) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [
                CHROMIUM,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-extensions",
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                f"--virtual-time-budget={budget_ms}",
                "--window-size=1200,2400",
                *mode,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def dump_dom(url: str, budget_ms: int = 5000) -> tuple[str, list[str]]:
    """The serialised DOM after the page's scripts ran, and every console message it logged."""
    proc = _run(url, "--dump-dom", budget_ms=budget_ms)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, [m.group(0) for m in _CONSOLE.finditer(proc.stderr)]


def screenshot(url: str, png: Path, budget_ms: int = 5000) -> Path:
    proc = _run(url, f"--screenshot={png}", budget_ms=budget_ms)
    assert proc.returncode == 0 and png.is_file(), proc.stderr[-2000:]
    return png


def is_blank(png: Path) -> bool:
    import matplotlib.image as mpimg

    img = mpimg.imread(str(png))
    return float(img[..., :3].std()) < 0.01
