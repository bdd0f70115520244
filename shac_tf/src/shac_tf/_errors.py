"""The errors of shac-tf."""

from __future__ import annotations

from shac_core import ShacError


__all__ = ["TensorflowNotInstalledError", "missing_tensorflow"]


class TensorflowNotInstalledError(ShacError, ImportError):
    """Raised when an evaluation needs TensorFlow and it cannot be imported.

    shac-tf does not require a TensorFlow distribution, so that it never installs a
    second one beside the ``tensorflow`` or ``tensorflow-cpu`` a user already has;
    the message names the extras that install one.
    """

    __module__ = "shac_tf"


def missing_tensorflow(reason: str) -> TensorflowNotInstalledError:
    """Return the error for a missing TensorFlow, saying what to install.

    Args:
        reason: What failed, as a clause: "`import tensorflow` failed (...)".
    """
    msg = (
        f"TensorflowSHAC needs TensorFlow, but {reason}; install it with "
        '`pip install "shac-tf[cpu]"` (tensorflow-cpu) or '
        '`pip install "shac-tf[gpu]"` (tensorflow[and-cuda]), or install the '
        "`tensorflow` or `tensorflow-cpu` distribution of your choice."
    )
    return TensorflowNotInstalledError(msg, name="tensorflow")
