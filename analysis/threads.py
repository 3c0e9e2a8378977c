"""How many threads numpy's BLAS may use while the analysis runs."""
from __future__ import annotations


def one_blas_thread():
    """Context in which numpy's BLAS runs on one thread.

    The analysis only multiplies (n, 3) by (3, 3) matrices, which gain
    nothing from threads; but OpenBLAS's worker threads spin waiting for
    work, and on a busy machine (or beside parallel batch workers) one such
    product over a 24 h recording took 0.7-2.2 s instead of 0.04 s
    (measured on this 2-core machine under load, ``benchmarks/README.md``).
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        # Finding the loaded libraries takes ~3 ms; limiting them, 6 µs.
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


_CONTROLLER = None
