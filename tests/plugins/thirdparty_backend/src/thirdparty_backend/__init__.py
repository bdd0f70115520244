"""An example shac plugin: the engine ``scaled`` and the evaluation policy ``inline``.

Importing the package is cheap: the framework (here ``_framework``, standing in for
TensorFlow or PyTorch) is imported only when an evaluation runs.
"""

from __future__ import annotations

from thirdparty_backend._engine import ScaledHandler
from thirdparty_backend._engine import ScaledSHAC
from thirdparty_backend._policy import InlinePolicy


__all__ = ["InlinePolicy", "ScaledHandler", "ScaledSHAC"]
