"""How many threads the BLAS (OpenBLAS behind numpy) runs: one place for encoders and search."""

from __future__ import annotations

import sys

_blas_limited: tuple[int, int] | None = None  # (count, modules imported) when the BLAS was last limited


def limit_blas(count: int) -> None:
    """Limit the BLAS's threads, process-wide, once per count while no module is imported
    (threadpoolctl is slow to call).

    A BLAS library loaded later (torch brings its own) comes with an import, so a grown
    sys.modules means looking again.
    """
    global _blas_limited
    if _blas_limited == (count, len(sys.modules)):
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a dependency; without it only slower
        return
    threadpool_limits(count, user_api="blas")
    _blas_limited = (count, len(sys.modules))
