"""After start-up, the collector leaves start-up objects alone and runs less often (carerline/memory.py)."""

from __future__ import annotations

import json
import subprocess
import sys

from carerline.memory import CROWD_THRESHOLDS

_AFTER_START_UP = (
    "import gc, json; from carerline.memory import freeze_startup_objects; before = gc.get_threshold(); "
    "freeze_startup_objects(); print(json.dumps([before, gc.get_threshold(), gc.get_freeze_count()]))"
)


def test_start_up_objects_are_frozen_and_collections_come_less_often() -> None:
    # In a process of its own: freezing the test runner's objects would change every test after this one.
    shown = subprocess.run([sys.executable, "-c", _AFTER_START_UP], capture_output=True, text=True, check=True).stdout
    before, after, frozen = json.loads(shown)

    assert before == [700, 10, 10]  # Python's own, which a crowd outgrew
    assert after == list(CROWD_THRESHOLDS)
    assert frozen > 0
