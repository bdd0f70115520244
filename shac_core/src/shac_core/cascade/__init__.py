"""The cascade of classifiers: training one, and filtering candidates through all."""

from __future__ import annotations

from shac_core.cascade._cascade import Cascade
from shac_core.cascade._cascade import draw_candidates
from shac_core.cascade._train import label_window
from shac_core.cascade._train import train_classifier


__all__ = ["Cascade", "draw_candidates", "label_window", "train_classifier"]
