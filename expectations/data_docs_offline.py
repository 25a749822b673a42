"""Make GX's Data Docs render with no network: point every CDN asset at a shipped copy, drop the rest.

GX's templates load Bootstrap, jQuery, bootstrap-table, Font Awesome, a date picker and Vega from
CDNs; offline the pages came out as unstyled lists and the index table stayed empty (it is drawn by
bootstrap-table from data in the page). After each `build_data_docs` the pages are rewritten to use
the files in expectations/static/ (see its LICENSES.md), copied to <site>/static/offline/.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

STATIC = Path(__file__).with_name("static")
ASSETS = (
    "bootstrap.min.css",
    "bootstrap.bundle.min.js",
    "jquery.min.js",
    "gx-offline.js",
    "icons-offline.css",
    "LICENSES.md",
)

# (a piece of the CDN URL, the local file; None drops the tag). First match wins, order matters.
_REPLACE: list[tuple[str, str | None]] = [
    ("/bootstrap/4.3.1/css/bootstrap.min.css", "bootstrap.min.css"),
    ("/bootstrap/4.3.1/js/bootstrap.min.js", "bootstrap.bundle.min.js"),
    ("code.jquery.com/jquery-", "jquery.min.js"),
    ("filter-control", None),
    ("font-awesome", "icons-offline.css"),
]
_TAG = re.compile(r'<(link|script)\b[^>]*?\b(?:href|src)="(https?://[^"]+)"[^>]*>(?:\s*</script>)?', re.IGNORECASE)
_LOGO = re.compile(r'src="https://great-expectations-web-assets[^"]*/([a-z0-9_-]+\.png)[^"]*"', re.IGNORECASE)


def _local(url: str) -> str | None:
    for piece, asset in _REPLACE:
        if piece in url:
            return asset
    return None  # bootstrap-table (gx-offline.js stands in), popper (in the bundle), vega (profiling pages only), the dark theme, the date picker


def _rewrite(html: str, to_root: str) -> str:
    def tag(m: re.Match) -> str:
        asset = _local(m.group(2))
        if asset is None:
            return ""
        href = f"{to_root}static/offline/{asset}"
        if asset.endswith(".css"):
            return f'<link rel="stylesheet" href="{href}">'
        tag = f'<script src="{href}"></script>'
        if asset == "jquery.min.js":  # the stand-ins need jQuery and must precede the page's own scripts
            tag += f'<script src="{to_root}static/offline/gx-offline.js"></script>'
        return tag

    html = _TAG.sub(tag, html)
    return _LOGO.sub(lambda m: f'src="{to_root}static/images/{m.group(1)}"', html)


def localize(site: Path) -> int:
    """Rewrite every page of the Data Docs site under `site`; returns the number of pages."""
    target = site / "static" / "offline"
    target.mkdir(parents=True, exist_ok=True)
    for name in ASSETS:
        shutil.copyfile(STATIC / name, target / name)
    pages = 0
    for page in site.rglob("*.html"):
        depth = len(page.relative_to(site).parts) - 1
        text = page.read_text(encoding="utf-8")
        new = _rewrite(text, "../" * depth)
        if new != text:
            tmp = page.with_name(page.name + ".tmp")
            tmp.write_text(new, encoding="utf-8")
            os.replace(tmp, page)
        pages += 1
    return pages
