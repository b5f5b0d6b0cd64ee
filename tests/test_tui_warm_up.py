"""The warm-up's imports stay out of the garbage collector's full collections, and leave no screen to import."""

from __future__ import annotations

import gc
import sys

from screens.app import GC_THRESHOLDS, SCREEN_STYLESHEETS, import_screens, long_lived_imports


def test_full_collections_wait_during_long_lived_imports_and_what_they_load_is_frozen_after() -> None:
    frozen_before = gc.get_freeze_count()
    try:
        with long_lived_imports():
            young, middle, old = gc.get_threshold()
            assert (young, middle) == GC_THRESHOLDS[:2] and old > GC_THRESHOLDS[2]
            loaded = [object() for _ in range(10)]
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() >= frozen_before + len(loaded)
    finally:
        gc.unfreeze()


def test_import_screens_imports_every_screen_module() -> None:
    import_screens()
    for stylesheet in SCREEN_STYLESHEETS.values():
        assert f"screens.{stylesheet.removesuffix('.tcss')}" in sys.modules
