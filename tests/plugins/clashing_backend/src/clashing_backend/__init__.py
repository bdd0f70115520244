"""A shac plugin that claims ``scaled``, a name thirdparty-backend provides too."""

from __future__ import annotations
