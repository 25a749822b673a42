"""Import GX with its phone-home features off: the gate runs offline and must not wait on a network."""

from __future__ import annotations

import os

# Analytics would try to reach GX's servers on every context; the gate must run offline.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402
import great_expectations.expectations as gxe  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402

__all__ = ["ProgressBarsConfig", "gx", "gxe"]
