"""Run the ``shac`` command as ``python -m shac_core.cli``."""

from __future__ import annotations

import sys

from shac_core.cli import main


sys.exit(main())
