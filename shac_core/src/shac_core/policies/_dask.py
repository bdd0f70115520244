"""The ``dask`` policy: evaluations on the workers of a Dask cluster.

The policy owns the connection to the cluster (a ``LocalCluster`` it starts, a
scheduler address, or the user's own ``distributed.Client``), the mapping of Dask
workers to worker ids, and what happens when a worker dies. It leaves the evaluation
itself to the engine's picklable task. dask and distributed are imported inside the
methods only, so that shac-core without the ``dask`` extra never imports them.
"""

from __future__ import annotations

from collections import deque
import importlib
import logging
import os
import pickle
import queue
import time
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeAlias
from typing import TypeVar
from typing import final
import uuid

from shac_core._errors import ShacError
from shac_core.policies._base import BasePolicy
from shac_core.policies._base import PolicyFailure


if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterator
    from collections.abc import Mapping
    from collections.abc import Sequence

    from distributed import Client
    from distributed import LocalCluster


__all__ = ["DaskPolicy"]

_logger = logging.getLogger(__name__)
# distributed is only partly annotated, and absent where shac-core is type-checked
# without the extra: its clients and futures are handled as Any.
_Client: TypeAlias = Any
_Future: TypeAlias = Any
_T = TypeVar("_T")
_R = TypeVar("_R")

#: Seconds between two looks at which workers the scheduler knows.
POLL_SECONDS = 0.5
#: Seconds to fetch a finished result before it counts as lost with its worker.
GATHER_SECONDS = 60.0
#: LocalCluster options the policy sets itself.
_FIXED_OPTIONS = ("n_workers", "threads_per_worker", "processes", "host")
_INSTALL = 'install them with `pip install "shac-core[dask]"`'


@final
class DaskPolicy(BasePolicy):
    """Run evaluations on the workers of a Dask cluster.

    With neither ``address`` nor ``client``, a ``LocalCluster`` of ``n_workers``
    single-threaded worker processes is started on 127.0.0.1 for the run and closed
    with the policy. With ``address``, the policy connects to that scheduler and
    closes its own connection afterwards; with ``client``, it uses the client as it is
    and never closes it.

    Each worker id is one *slot* bound to one Dask worker: at the start of a run the
    workers are sorted by address and the first ``n_workers`` of them get ids 0, 1,
    ... in that order. Every evaluation is pinned to its slot's worker, one at a
    time, so a worker id always means the same Dask worker and a managed backend's
    GPU assignment holds. A worker that joins later takes a free slot, the lowest
    first; a worker that leaves frees its slot for the next one to join.

    When a worker dies during an evaluation, the evaluation is run again on the next
    free slot, up to ``retries`` times; after that it is yielded as a
    :class:`~shac_core.PolicyFailure` and the engine records it as failed. Results
    already yielded are never affected. An exception raised by the user's function is
    no worker failure: the engine records it and nothing is retried.

    Args:
        n_workers: Slots, the most evaluations at once. ``None`` means one per core
            for a local cluster, and the workers connected at the start of the run
            for ``address`` and ``client``.
        address: A scheduler address, such as ``"tcp://10.0.0.5:8786"``.
        client: An existing ``distributed.Client``; shac never closes it.
        retries: How many times an evaluation whose worker died runs again.
        dashboard: Start the local cluster's dashboard on 127.0.0.1 (a free port).
        timeout: Seconds to wait to connect, and for a first worker.
        cluster_options: More keyword arguments for ``LocalCluster``, such as
            ``memory_limit``; ``n_workers``, ``threads_per_worker``, ``processes``
            and ``host`` are the policy's own.

    Raises:
        ValueError: For both ``address`` and ``client``, ``cluster_options`` with
            either, a negative ``retries`` or a non-positive ``timeout``.

    Example:
        >>> from shac_core import DaskPolicy
        >>> engine.evaluator_backend = DaskPolicy(
        ...     address="tcp://127.0.0.1:8786"
        ... )  # doctest: +SKIP
    """

    name = "dask"

    def __init__(
        self,
        n_workers: int | None = None,
        *,
        address: str | None = None,
        client: Client | None = None,
        retries: int = 1,
        dashboard: bool = True,
        timeout: float = 60.0,
        cluster_options: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(n_workers)
        self._requested = n_workers  # the base class stored 1 for None
        _check_options(address, client, retries, timeout, cluster_options)

        self.address = address
        self.retries = retries
        self.dashboard = dashboard
        self.timeout = float(timeout)
        self.cluster_options = dict(cluster_options or {})
        self._user_client: _Client = client
        self._client: _Client = None
        self._cluster: LocalCluster | None = None
        self._slots: list[str | None] | None = None
        self._refreshed = 0.0

    @property
    def n_workers(self) -> int:
        """The number of slots; for a cluster given without it, known once connected."""
        if self._slots is not None:
            return len(self._slots)
        if self._requested is not None:
            return self._requested
        if self.address is None and self._user_client is None:
            return os.cpu_count() or 1

        self._connect()
        return len(self._slot_list())

    @n_workers.setter
    def n_workers(self, value: int) -> None:
        self._requested = value

    @property
    def client(self) -> Client | None:
        """The ``distributed.Client`` in use, or ``None`` before the run and after it."""
        client: Client | None = self._client
        return client

    @property
    def worker_addresses(self) -> list[str | None]:
        """The Dask worker of each worker id; ``None`` for a slot waiting for one."""
        return list(self._slots or [])

    def imap_unordered(
        self, task: Callable[[_T, int], _R], items: Sequence[_T]
    ) -> Iterator[tuple[int, _R | PolicyFailure]]:
        """Run the items on the cluster, one per slot at a time; yield as each finishes.

        Raises:
            ShacError: If dask or distributed is not installed.
            PolicyFailure: If no scheduler answers, or no worker is there for
                ``timeout`` seconds while items wait.
        """
        client = self._connect()
        run = _Run(items, _pickle_task(task))
        try:
            while run.todo or run.pending:
                yield from self._drop_departed(run)
                self._fill(client, run)
                if not run.pending:
                    self._await_worker()
                    continue

                # Results are fetched before their slots get new work: a worker that
                # dies on its next item must not take a finished result with it.
                for future in run.next_done():
                    position, attempt, _slot = run.pending.pop(future)
                    result = self._collect(future, attempt)
                    if result is None:
                        run.todo.appendleft((position, attempt + 1))
                    else:
                        yield position, result
        finally:
            if run.pending and self._client is not None:
                self._client.cancel(list(run.pending))

    def close(self) -> None:
        """Close the connection and the local cluster this policy started."""
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        self._slots = None
        if client is not None and client is not self._user_client:
            client.close()
        if cluster is not None:
            cluster.close()

    def __repr__(self) -> str:
        return f"DaskPolicy(n_workers={self._requested}, scheduler={self._where()!r})"

    def describe(self) -> dict[str, Any]:
        """Return the policy, its slots, its scheduler and its retries."""
        return {
            "policy": self.name,
            "n_workers": self.n_workers,
            "scheduler": self._where(),
            "retries": self.retries,
        }

    def _where(self) -> str:
        if self.address is not None:
            return self.address
        return "client" if self._user_client is not None else "local"

    # -- the cluster -------------------------------------------------------------

    def _connect(self) -> _Client:
        """Return the client, connecting and assigning the slots on first use."""
        if self._client is not None:
            return self._client
        try:
            import distributed
        except ImportError as err:
            msg = (
                "The dask policy needs dask and distributed, which are missing; "
                f"{_INSTALL}."
            )
            raise ShacError(msg) from err

        client = self._open(distributed)
        self._client = client
        try:
            client.wait_for_workers(1, timeout=self.timeout)
        except distributed.TimeoutError as err:
            address = client.scheduler.address
            self.close()
            msg = (
                f"No Dask worker joined scheduler {address} within "
                f"{self.timeout} s; start workers with `dask worker <address>` or "
                "raise `timeout`."
            )
            raise PolicyFailure(msg) from err

        workers = sorted(client.nthreads())
        count = self._requested or len(workers)
        self._slots = [workers[i] if i < len(workers) else None for i in range(count)]
        self._refreshed = time.monotonic()
        _logger.info(
            "Evaluating on Dask scheduler %s: %d worker ids over %d workers.",
            client.scheduler.address,
            count,
            len(workers),
        )
        _logger.info("Dask dashboard: %s", _dashboard_link(client) or "off")
        return client

    def _open(self, distributed: Any) -> _Client:
        """Return a new client: of the user, of ``address``, or of a local cluster."""
        if self._user_client is not None:
            return self._user_client
        if self.address is not None:
            try:
                client = distributed.Client(
                    self.address, timeout=self.timeout, set_as_default=False
                )
            except OSError as err:
                msg = (
                    f"No Dask scheduler answered at {self.address!r} within "
                    f"{self.timeout} s: {err}. Start one with `dask scheduler` and pass "
                    "the address it prints."
                )
                raise PolicyFailure(msg) from err
            return client

        options: dict[str, Any] = {
            "dashboard_address": "127.0.0.1:0" if self.dashboard else None,
            **self.cluster_options,
        }
        self._cluster = distributed.LocalCluster(
            n_workers=self.n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            **options,
        )
        return distributed.Client(self._cluster, set_as_default=False)

    def _slot_list(self) -> list[str | None]:
        assert self._slots is not None, "used before _connect"
        return self._slots

    def _refresh(self) -> set[int]:
        """Free the slots of departed workers, fill free slots; return those freed."""
        assert self._client is not None
        assert self._slots is not None
        self._refreshed = time.monotonic()
        live = set(self._client.nthreads())
        departed = {
            s for s, a in enumerate(self._slots) if a is not None and a not in live
        }
        for slot in sorted(departed):
            _logger.warning(
                "Dask worker %s left the cluster; worker id %d waits for another worker.",
                self._slots[slot],
                slot,
            )
            self._slots[slot] = None

        newcomers = sorted(live - set(self._slots))
        for slot, address in enumerate(self._slots):
            if address is None and newcomers:
                self._slots[slot] = newcomers.pop(0)
                _logger.info(
                    "Dask worker %s takes worker id %d.", self._slots[slot], slot
                )
        return departed

    def _await_worker(self) -> None:
        """Wait until some slot has a worker, or fail after ``timeout`` seconds."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            self._refresh()
            if any(self._slots or []):
                return

        msg = (
            f"No Dask worker was available for {self.timeout} s while evaluations "
            "waited; start workers with `dask worker <address>` or raise `timeout`."
        )
        raise PolicyFailure(msg)

    # -- one run -----------------------------------------------------------------

    def _fill(self, client: _Client, run: _Run) -> None:
        """Submit the next items to the free slots, each pinned to its slot's worker."""
        busy = {slot for _, _, slot in run.pending.values()}
        for slot, address in enumerate(self._slot_list()):
            if not run.todo:
                return
            if address is None or slot in busy:
                continue

            position, attempt = run.todo.popleft()
            future = client.submit(
                _run_pickled,
                run.payload,
                run.items[position],
                slot,
                key=f"shac-eval-{run.tag}-{position}-{attempt}",
                workers=[address],
                allow_other_workers=False,
                pure=False,
            )
            future.add_done_callback(run.finished.put)
            run.pending[future] = (position, attempt, slot)

    def _drop_departed(self, run: _Run) -> Iterator[tuple[int, PolicyFailure]]:
        """Take back the items of departed workers: to retry, or yielded as failed."""
        if time.monotonic() - self._refreshed < POLL_SECONDS:
            return
        departed = self._refresh()
        lost = [f for f, (_, _, slot) in run.pending.items() if slot in departed]
        if not lost:
            return

        self._client.cancel(lost)
        for future in lost:
            position, attempt, slot = run.pending.pop(future)
            failure = self._lose(f"worker id {slot} left the cluster", attempt)
            if failure is None:
                run.todo.appendleft((position, attempt + 1))
            else:
                yield position, failure

    def _collect(self, future: _Future, attempt: int) -> Any:
        """Return a finished item's result or failure, or ``None`` to run it again."""
        import distributed

        if future.status == "finished":
            try:
                return future.result(timeout=GATHER_SECONDS)
            except (
                OSError,
                distributed.TimeoutError,
                distributed.CancelledError,
            ) as err:
                return self._lose(f"its result could not be fetched: {err!r}", attempt)

        if future.status == "error":
            try:
                future.result()
            except distributed.KilledWorker as err:
                return self._lose(repr(err), attempt)
            except Exception as err:  # noqa: BLE001 - reported, not raised
                msg = (
                    f"Dask could not run this evaluation: {err!r}. The function and "
                    "everything it uses must be importable on the workers or defined "
                    "in `__main__`; see the worker logs for details."
                )
                return PolicyFailure(msg)

        msg = f"The evaluation's Dask future ended as {future.status!r}, not finished."
        return PolicyFailure(msg)

    def _lose(self, why: str, attempt: int) -> PolicyFailure | None:
        """Return ``None`` if a lost item may run again, else its failure."""
        if attempt < self.retries:
            _logger.warning(
                "An evaluation was lost (%s); running it again (retry %d of %d).",
                why,
                attempt + 1,
                self.retries,
            )
            return None

        msg = (
            f"The Dask worker running this evaluation was lost ({why}) after "
            f"{attempt} retries (`retries={self.retries}`); the worker logs may say why, "
            "often memory."
        )
        return PolicyFailure(msg)


class _Run:
    """The state of one :meth:`DaskPolicy.imap_unordered` call."""

    def __init__(self, items: Sequence[Any], payload: bytes) -> None:
        self.items = items
        self.payload = payload
        self.tag = uuid.uuid4().hex[:8]
        #: (position, attempt) of the items still to submit, retries first.
        self.todo: deque[tuple[int, int]] = deque((p, 0) for p in range(len(items)))
        #: The futures in flight, to (position, attempt, slot).
        self.pending: dict[_Future, tuple[int, int, int]] = {}
        #: Futures as they finish, put there by Dask's callback thread.
        self.finished: queue.SimpleQueue[_Future] = queue.SimpleQueue()

    def next_done(self) -> list[_Future]:
        """Return the pending futures that finished, waiting one poll for the first."""
        done: list[_Future] = []
        try:
            done.append(self.finished.get(timeout=POLL_SECONDS))
            while True:
                done.append(self.finished.get_nowait())
        except queue.Empty:
            pass
        # Futures taken back from departed workers still report here; skip them.
        pending = self.pending
        return sorted((f for f in done if f in pending), key=lambda f: pending[f][0])


def _pickle_task(task: Callable[..., Any]) -> bytes:
    """Pickle the task once per run, by value where its module is the driver's own."""
    # cloudpickle comes with distributed; it has no type hints, hence the Any.
    cloudpickle: Any = importlib.import_module("cloudpickle")
    try:
        payload: bytes = cloudpickle.dumps(task)
    except Exception as err:
        msg = (
            f"The evaluation task must be picklable to reach the Dask workers, got "
            f"{err!r}; define the function at module level or in `__main__`, and keep "
            "locks, open files and clients out of it."
        )
        raise PolicyFailure(msg) from err
    return payload


def _run_pickled(payload: bytes, item: Any, worker_id: int) -> Any:
    """Unpickle the task and run one item; this runs on a Dask worker.

    Unpickling here, inside the task, turns a function the worker cannot import into
    a failed task that is reported, instead of an error in the worker's connection.
    """
    task = pickle.loads(payload)  # the driver's own task, never a saved file
    return task(item, worker_id)


def _dashboard_link(client: _Client) -> str | None:
    try:
        link: str | None = client.dashboard_link
    except KeyError:  # a scheduler without a dashboard
        return None
    return link or None


def _check_options(
    address: str | None,
    client: Client | None,
    retries: Any,
    timeout: Any,
    cluster_options: Mapping[str, Any] | None,
) -> None:
    if address is not None and client is not None:
        msg = (
            "Pass either `address` or `client` to DaskPolicy, not both, got "
            f"address={address!r} and client={client!r}."
        )
        raise ValueError(msg)
    if cluster_options and (address is not None or client is not None):
        msg = (
            "`cluster_options` configure the LocalCluster started without `address` "
            f"or `client`, got cluster_options={dict(cluster_options)!r} with one; "
            "configure your own cluster instead."
        )
        raise ValueError(msg)
    fixed = sorted(set(cluster_options or {}) & set(_FIXED_OPTIONS))
    if fixed:
        msg = (
            f"`cluster_options` may not set {', '.join(fixed)}, which DaskPolicy sets "
            f"itself, got {fixed}; pass `n_workers` to DaskPolicy, or start your own "
            "cluster and pass `address`."
        )
        raise ValueError(msg)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        msg = f"`retries` must be a non-negative integer, got {retries!r}."
        raise ValueError(msg)
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or timeout <= 0
    ):
        msg = f"`timeout` must be a positive number of seconds, got {timeout!r}."
        raise ValueError(msg)
