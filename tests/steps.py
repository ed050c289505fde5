"""Counting the Python steps a piece of code takes: a measure of work a busy machine cannot blur.

Timings on a shared machine wander; the number of lines, calls and returns the interpreter
runs for the same input does not. Growth is judged by comparing counts, never by the clock.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


class StepBudgetExceeded(BaseException):
    """The code took more steps than it was given.

    A BaseException, so that no ``except Exception`` in the code under test swallows it.
    """


@dataclass
class StepCount:
    steps: int = 0


@contextmanager
def counting_steps(*, budget: int | None = None) -> Iterator[StepCount]:
    """Count the steps the Python code run inside the block takes, on this thread.

    With a ``budget``, stop the code with ``StepBudgetExceeded`` as soon as it takes more,
    so that a superlinear case fails at once instead of running for minutes.
    """
    count = StepCount()

    def trace(frame, event, arg):
        count.steps += 1
        if budget is not None and count.steps > budget:
            raise StepBudgetExceeded(f"more than {budget} steps")
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        yield count
    finally:
        sys.settrace(previous)
