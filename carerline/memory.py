"""Short garbage-collector pauses for the long-running processes (`serve`, `deliver`)."""

from __future__ import annotations

import gc

# Collect the young generation after 20,000 net allocations instead of 700, and each older one after 20 of the
# one below instead of 10. A crowd keeps hundreds of updates in flight, so at 700 every young collection walked
# objects still alive and moved them on, to be walked again. Five alternating pairs of `python -m
# benchmarks.replies --no-broadcast --no-baseline --rounds 2` (8 December 2026, this 2-core machine): `serve`'s
# CPU per parent 14.3 and 15.9 ms (means of 12 and 8 crowds) against 12.5 and 13.6 ms, p95 medians about 300 ms
# against 250. Garbage without cycles is freed at once either way; only cycles wait longer.
CROWD_THRESHOLDS = (20_000, 20, 20)


def freeze_startup_objects() -> None:
    """Once started: collect, take every object alive now out of the collector's view (`gc.freeze`), and let
    the collector run less often (CROWD_THRESHOLDS).

    Start-up leaves a few hundred thousand objects that live as long as the process (modules, the ORM's
    metadata, python-telegram-bot's classes, the message catalogs). Every full collection walked all of them:
    in `serve` under `python -m benchmarks.replies`, full collections in the middle of a crowd took 85-170 ms,
    each one a pause for every parent waiting. Frozen, they are never walked again; what the process makes
    afterwards is collected as before.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*CROWD_THRESHOLDS)
