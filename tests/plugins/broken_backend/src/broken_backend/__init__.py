"""A shac plugin that imports its framework eagerly, and the framework is missing."""

from __future__ import annotations
