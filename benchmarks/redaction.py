"""Redaction benchmark: texts per second over the labelled corpus, and one long text.

    python -m benchmarks.redaction                 # the corpus 20 times, then every text joined into one
    python -m benchmarks.redaction --repeat 50

Exports spend most of their time in `services.privacy.redaction.redact` (one call per free-text
cell, with that row's carer's and child's names), so this is the figure to watch when redaction
grows. The first call loads the word lists; that load is timed apart. Both wall-clock and CPU time
are printed: on a shared machine the CPU figure is the steadier one.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from services.privacy.redaction import redact

CORPUS_PATH = Path(__file__).resolve().parents[1] / "tests/services/privacy/redaction_corpus.json"


def _cases() -> list[tuple[str, list[str]]]:
    """(text, known names) for every case in the corpus."""
    corpus = json.loads(CORPUS_PATH.read_text(encoding="utf-8"))
    return [(case["text"], case["known_names"]) for case in corpus]


def _timed(work: Callable[[], None]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) for one run of `work`."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def main(*, repeat: int) -> None:
    """Time redact over the corpus `repeat` times, and over all its texts joined into one."""
    cases = _cases()
    wall_s, _ = _timed(
        lambda: redact("Could Olek sit in front? Sam rang 07700 900123.", known_names=["Sam"])
    )
    print(f"first call (loads word lists): {wall_s * 1000:.0f} ms")

    def corpus() -> None:
        for _ in range(repeat):
            for text, known_names in cases:
                redact(text, known_names=known_names)

    wall_s, cpu_s = _timed(corpus)
    count = repeat * len(cases)
    print(
        f"corpus x{repeat}: {count:,} texts, {wall_s:.2f} s wall, {count / wall_s:,.0f} texts/s; "
        f"{cpu_s:.2f} s CPU, {count / cpu_s:,.0f} texts/s ({cpu_s / count * 1000:.3f} ms/text)"
    )
    long_text = "\n\n".join(text for text, _ in cases)
    names = sorted({name for _, known_names in cases for name in known_names})[:20]
    wall_s, cpu_s = _timed(lambda: redact(long_text, known_names=names))
    print(
        f"one long text: {len(long_text):,} chars, 20 known names, {wall_s * 1000:.0f} ms wall, "
        f"{cpu_s * 1000:.0f} ms CPU"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    main(repeat=parser.parse_args().repeat)
