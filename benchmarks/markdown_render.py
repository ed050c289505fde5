"""Benchmark render_markdown() on a typical comment and on the worst input found.

Run from the project root:  .venv/bin/python benchmarks/markdown_render.py

It times a typical comment (about 500 characters of prose with emphasis, a list, a link and
a code block) and the same prose repeated to 20,000 characters, the longest a description or
reply may be. Then it looks for the slowest text among the adversarial pieces of
tests/tickets/test_markdown.py and every pair of them, repeated to 2,000 characters, and
prints the five slowest at 20,000 characters, with their time at 5,000 and 10,000 too:
linear work doubles from 5,000 to 10,000 and again to 20,000. It is not part of the test run.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Run as a plain script, the project root is not on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.tickets.test_markdown import PIECES
from tickets.markdown import render_markdown

LONGEST = 20_000
SEARCH_LENGTH = 2_000
SHOWN = 5
# Each figure is the best of several runs within MIN_SECONDS (at least one), so that load
# from other processes on the machine skews it less.
MIN_SECONDS = 1.0

TYPICAL = """Goedemorgen,

Sinds de update van gisteren geeft het **zaaksysteem** een foutmelding bij het openen
van een zaak uit de werkvoorraad. Het gaat om zaken van het type *Omgevingsvergunning*.

Wat we zien:

- de lijst laadt normaal;
- na een klik op een zaak verschijnt `Fout 500`;
- andere zaaktypen openen wel.

Stappen: zie [de handleiding](https://example.org/handleiding) en de schermafdruk.

```
GET /zaken/2026-0042 -> 500 Internal Server Error
```

Met vriendelijke groet,
Petra
"""


def repeated(piece: str, length: int) -> str:
    return (piece * (length // len(piece) + 1))[:length]


def best_seconds(call: Callable[[], object]) -> float:
    """Return the fastest of the runs of ``call`` within MIN_SECONDS."""
    best = float("inf")
    deadline = time.perf_counter() + MIN_SECONDS
    while True:
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
        if time.perf_counter() > deadline:
            return best


def slowest_pieces() -> list[str]:
    """Return the pieces or pairs of pieces whose repeated text renders slowest."""
    candidates = list(PIECES) + ["".join(pair) for pair in itertools.product(PIECES, repeat=2)]
    timed = []
    for piece in candidates:
        text = repeated(piece, SEARCH_LENGTH)
        start = time.perf_counter()
        render_markdown(text)
        timed.append((time.perf_counter() - start, piece))
    timed.sort(reverse=True)
    return [piece for _seconds, piece in timed[:SHOWN]]


def main() -> None:
    typical = best_seconds(lambda: render_markdown(TYPICAL))
    print(f"typical comment ({len(TYPICAL)} characters): {typical * 1000:.2f} ms")
    long_typical = repeated(TYPICAL, LONGEST)
    seconds = best_seconds(lambda: render_markdown(long_typical))
    print(f"typical prose at {LONGEST:,} characters: {seconds * 1000:.1f} ms")
    print()
    print(f"slowest of {len(PIECES) ** 2 + len(PIECES)} adversarial texts, repeated:")
    print(f"{'piece':>12}  {'5,000':>9}  {'10,000':>9}  {'20,000':>9}")
    for piece in slowest_pieces():
        texts = [repeated(piece, length) for length in (5_000, 10_000, LONGEST)]
        times = [best_seconds(lambda text=text: render_markdown(text)) for text in texts]
        print(f"{piece!r:>12}  " + "  ".join(f"{t * 1000:7.1f}ms" for t in times))


if __name__ == "__main__":
    main()
