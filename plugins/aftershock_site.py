"""Links from the Airflow UI to the Aftershock site: the event reports, the dbt docs and the GX Data Docs.

The site is the static folder data/site, served over HTTP by the compose `site` service or by
`aftershock docs --serve`; AFTERSHOCK_SITE_URL says where (default http://127.0.0.1:8081, the port
both use). The views carry no url_route, so the UI opens them in a new tab instead of an iframe.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from aftershock.orchestration import site_links


class AftershockSitePlugin(AirflowPlugin):
    name = "aftershock_site"
    # AirflowPlugin declares its extension points as class attributes
    external_views = [
        {"name": name, "href": href, "destination": "nav", "category": "Aftershock"}  # noqa: RUF012
        for name, href in site_links()
    ]
