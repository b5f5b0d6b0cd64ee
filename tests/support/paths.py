"""Where the tests find the project, and Microsoft's starter packs and XSD (test material in ../shared/b2c)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED_B2C_VARIABLE = "ASIGNIO_TESTS_B2C"
"""Where the tests find Microsoft's starter packs and XSD when not in ../shared/b2c (an empty folder tests the rule
that without them the tests that need them skip, or fail with CI=true)."""
SHARED_B2C = Path(os.environ.get(SHARED_B2C_VARIABLE) or PROJECT_ROOT.parent / "shared" / "b2c")
STARTER_PACK = SHARED_B2C / "starterpack"
XSD_PATH = SHARED_B2C / "xsd" / "TrustFrameworkPolicy_0.3.0.0.xsd"
NEEDS_PACKS = ("starter_pack", "xsd_path")
"""The fixtures through which (and only through which) tests read Microsoft's packs in SHARED_B2C."""
