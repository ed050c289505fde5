"""Side effects that wait for the transaction: run after commit, and never fail the change."""

from collections.abc import Callable

from django.db import transaction


def after_commit(func: Callable, /, *args, **kwargs) -> None:
    """Call ``func(*args, **kwargs)`` once the current transaction commits.

    A failure (a broker or mail server that is down) is logged and does not reach the
    caller, whose change is committed already; the sweeps find what is due in the
    database. Django logs a failing callback by its ``__qualname__``, which a
    ``functools.partial`` lacks, so the call is wrapped in a function named after ``func``.
    """

    def call() -> None:
        func(*args, **kwargs)

    call.__qualname__ = getattr(func, "__qualname__", repr(func))
    transaction.on_commit(call, robust=True)
