"""Where chunks of members run: this process, a pool of local processes, or a Dask cluster.

Every executor hands results back in job order, whatever finishes first, so merging them gives
the same bytes everywhere. Jobs name the spec and the profile by path and each worker loads them
itself (once per process), so a remote Dask cluster needs the files at the same paths.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from typing import Any, TypeVar

from credlab.model.errors import UsageError

EXECUTORS = ("serial", "processes", "dask")
T = TypeVar("T")


def run_jobs(
    function: Callable[..., T], jobs: Sequence[tuple[Any, ...]], executor: str, scheduler: str | None = None
) -> Iterator[T]:
    """``function(*job)`` for each job, on ``executor``, in job order."""
    if executor not in EXECUTORS:
        raise UsageError(f"--executor {executor}: choose one of {', '.join(EXECUTORS)}")
    if executor == "serial":
        return (function(*job) for job in jobs)
    if executor == "processes":
        return _on_processes(function, jobs)
    return _on_dask(function, jobs, scheduler)


def _on_processes(function: Callable[..., T], jobs: Sequence[tuple[Any, ...]]) -> Iterator[T]:
    with ProcessPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1) or 1) as pool:
        futures = [pool.submit(function, *job) for job in jobs]
        for future in futures:
            yield future.result()


def _on_dask(function: Callable[..., T], jobs: Sequence[tuple[Any, ...]], scheduler: str | None) -> Iterator[T]:
    """Jobs on a ``dask.distributed`` cluster: the one at ``scheduler``, or a two-worker
    LocalCluster of processes started for the run."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--executor dask needs dask.distributed: pip install 'credlab[dask]'") from None
    with ExitStack() as stack:
        if scheduler is not None:
            try:
                client = stack.enter_context(Client(scheduler, timeout=10))
            except OSError as error:
                raise UsageError(f"--scheduler {scheduler}: cannot reach it ({error})") from None
        else:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=2,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            )
            client = stack.enter_context(Client(cluster))
        futures = [client.submit(function, *job, pure=False) for job in jobs]
        for future in futures:
            yield future.result()
