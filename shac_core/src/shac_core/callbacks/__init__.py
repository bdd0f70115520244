"""Callbacks that hear about a search as it runs."""

from __future__ import annotations

from shac_core.callbacks._callbacks import Callback
from shac_core.callbacks._callbacks import CallbackList
from shac_core.callbacks._callbacks import CSVLogger
from shac_core.callbacks._callbacks import History


__all__ = ["CSVLogger", "Callback", "CallbackList", "History"]
