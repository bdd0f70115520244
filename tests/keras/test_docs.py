"""The examples of docs/backends/keras.md, shac_keras/README.md and keras_digits.py work."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
import re
import subprocess
import sys

import pytest


pytestmark = pytest.mark.framework

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "backends" / "keras.md"
README = ROOT / "shac_keras" / "README.md"
EXAMPLE = ROOT / "examples" / "keras_digits.py"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _main_block(path):
    (code,) = [c for c in BLOCK.findall(path.read_text()) if "__main__" in c]
    return code


def test_every_python_block_of_the_page_compiles():
    blocks = BLOCK.findall(PAGE.read_text())

    for number, code in enumerate(blocks, start=1):
        compile(code, f"{PAGE.name} block {number}", "exec")

    assert len(blocks) == 4


@pytest.mark.slow
@pytest.mark.processes
def test_documentation_example_runs_as_a_script(tmp_path, backend):
    """Run the page's complete example as written: 16 evaluations on two workers."""
    (tmp_path / "search.py").write_text(_main_block(PAGE))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAC_")}

    done = subprocess.run(
        [sys.executable, "search.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=400,
        env=env,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    name, score, params = done.stdout.splitlines()[-1].split(" ", 2)
    assert name == backend
    assert 0.5 < float(score) <= 1.0
    assert "'width'" in params
    assert re.search(r"Evaluation \d+ failed", done.stderr) is None


@pytest.mark.slow
def test_readme_example_function_trains_a_model(backend):
    namespace = {"__name__": "__readme__"}
    exec(compile(_main_block(README), str(README), "exec"), namespace)  # noqa: S102

    score = namespace["evaluate"](0, {"units": 8, "lr": 0.01})

    assert 0.0 <= score <= 1.0


@pytest.mark.slow
def test_digits_example_evaluation_trains_a_model(backend):
    spec = importlib.util.spec_from_file_location("keras_digits", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    params = {
        "layers": 1,
        "width": 32,
        "learning_rate": 0.01,
        "dropout": 0.1,
        "batch_size": 128,
    }

    accuracy = module.evaluate(0, params)

    # Ten epochs of a 32-unit MLP get well past chance (0.1) on the digits.
    assert 0.8 < accuracy <= 1.0
    assert isinstance(accuracy, float)
