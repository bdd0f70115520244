from __future__ import annotations

from pathlib import Path
import re
import subprocess
import sys

import pytest

import shac_core as sc


DOCS = Path(__file__).parents[2] / "docs" / "dask.md"


def _local_example():
    text = DOCS.read_text()
    section = text.split("## Local usage", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


@pytest.mark.slow
@pytest.mark.processes
def test_docs_local_example_runs_a_search_on_a_local_cluster(tmp_path):
    script = tmp_path / "search.py"
    script.write_text(_local_example())

    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "Dask dashboard: http://127.0.0.1:" in done.stderr
    assert done.stdout.startswith("EvaluationRecord(")
    assert [r.id for r in sc.SHAC.load(tmp_path / "dask-run").dataset] == list(
        range(40)
    )
