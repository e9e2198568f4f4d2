"""Short garbage-collector pauses for the long-running processes (`serve`, `deliver`)."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Once started: collect, then take every object alive now out of the collector's view (`gc.freeze`).

    Start-up leaves a few hundred thousand objects that live as long as the process (modules, the ORM's
    metadata, python-telegram-bot's classes, the message catalogs). Every full collection walked all of them:
    in `serve` under `python -m benchmarks.replies`, full collections in the middle of a crowd took 85-170 ms,
    each one a pause for every parent waiting. Frozen, they are never walked again; what the process makes
    afterwards is collected as before.
    """
    gc.collect()
    gc.freeze()
