"""The engine ``scaled``: SHAC whose evaluations report ``scale * fn(...)``.

The engine overrides :meth:`~shac_core.SHAC._make_handler` to wrap the user's
function in its own :class:`~shac_core.EvaluationHandler`, as a managed backend
does to set up devices and seeds. The handler imports the framework in ``setup``,
inside the worker, never at module level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from shac_core import SHAC
from shac_core import EvaluationHandler


if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable
    from collections.abc import Mapping

    from shac_core import BaseHyperParameter
    from shac_core import EvaluationContext
    from shac_core import HyperParameterList


__all__ = ["ScaledHandler", "ScaledSHAC"]


class ScaledHandler(EvaluationHandler):
    """Seed the framework, call the user's function and scale what it returns.

    Args:
        fn: The user's function, ``fn(worker_id, params) -> float``.
        scale: The factor applied to every score.
    """

    def __init__(self, fn: Callable[..., Any], scale: float) -> None:
        super().__init__(fn)
        self.scale = scale

    def setup(self, context: EvaluationContext) -> None:
        """Import the framework here, in the worker, and seed it."""
        from thirdparty_backend import _framework

        _framework.seed(context.seed)

    def call(self, context: EvaluationContext) -> float:
        """Return the user's score times :attr:`scale`."""
        return self.scale * float(super().call(context))


class ScaledSHAC(SHAC):
    """A SHAC engine that multiplies every score by ``scale``.

    Args:
        parameters: As for :class:`~shac_core.SHAC`.
        total_budget: As for :class:`~shac_core.SHAC`.
        num_batches: As for :class:`~shac_core.SHAC`.
        scale: The factor applied to every score; saved with the run.
        **kwargs: Passed on to :class:`~shac_core.SHAC`.
    """

    engine_name = "scaled"

    def __init__(
        self,
        parameters: Iterable[BaseHyperParameter] | HyperParameterList | None,
        total_budget: int | None,
        num_batches: int | None,
        scale: float = 1.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(parameters, total_budget, num_batches, **kwargs)
        self.scale = scale

    def _make_handler(self, fn: Callable[..., Any]) -> EvaluationHandler:
        return ScaledHandler(fn, self.scale)

    def _engine_options(self) -> dict[str, Any]:
        return {"scale": self.scale}

    def _restore_options(self, options: Mapping[str, Any]) -> None:
        self.scale = float(options.get("scale", 1.0))
