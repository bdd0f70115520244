"""Every automated task of the repository: tests per distribution, lint, types, docs.

``nox -t ci`` runs what CI runs; ``nox -l`` lists every session.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox


nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.error_on_missing_interpreters = bool(os.environ.get("CI"))
nox.options.reuse_venv = "yes"

ROOT = Path(__file__).parent

# Interpreters installed with pyenv are not all on PATH; let nox find every one.
for _bin in sorted(Path.home().glob(".pyenv/versions/3.*/bin")):
    os.environ["PATH"] += os.pathsep + str(_bin)
CORE = nox.project.load_toml(ROOT / "shac_core" / "pyproject.toml")
PYTHONS = nox.project.python_versions(CORE)
MAIN_PYTHON = "3.11"
CONSTRAINTS = ("-c", "tests/constraints.txt")
TEST_REQUIREMENTS = ("-r", "tests/requirements.txt")


def _run_tests(session: nox.Session, *packages: str, paths: tuple[str, ...]) -> None:
    """Install the distributions from their folders (no -e) and run pytest."""
    session.install(*CONSTRAINTS, *TEST_REQUIREMENTS, *packages)
    session.run(
        "pytest", *(session.posargs or paths), env={"SHAC_TEST_SESSION": session.name}
    )


@nox.session(python=PYTHONS, tags=["ci"])
def tests(session: nox.Session) -> None:
    """Run shac-core's tests on every Python it supports."""
    _run_tests(session, "./shac_core[plot]", paths=("tests/core",))


@nox.session(python=MAIN_PYTHON, tags=["ci"])
def lint(session: nox.Session) -> None:
    """Check style with ruff and module boundaries with import-linter."""
    session.install(*CONSTRAINTS, "ruff", "import-linter", "./shac_core")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session(python=MAIN_PYTHON, tags=["ci"])
def typecheck(session: nox.Session) -> None:
    """Type-check the src trees with mypy (strict)."""
    session.install(*CONSTRAINTS, "mypy", "types-tqdm", "./shac_core")
    srcs = [str(p) for p in sorted(ROOT.glob("shac_*/src"))]
    session.run("mypy", *srcs)


@nox.session(python=MAIN_PYTHON, tags=["ci"], default=False)
def docs(session: nox.Session) -> None:
    """Build the documentation site (strict); tests/core/test_docs.py runs its examples."""
    session.install(*CONSTRAINTS, "-r", "docs/requirements.txt", "./shac_core")
    session.run("mkdocs", "build", "--strict", "--site-dir", str(ROOT / "site"))


@nox.session(python=MAIN_PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Measure engine and cascade speed; writes benchmarks/results/*.json."""
    session.install(*CONSTRAINTS, "./shac_core")
    session.run("python", "benchmarks/bench_engine.py", *session.posargs)


@nox.session(python=MAIN_PYTHON, venv_backend="virtualenv", tags=["ci"], default=False)
@nox.parametrize("suite", ["torch", "tf", "keras-tensorflow", "keras-torch"])
def tests_plugin(session: nox.Session, suite: str) -> None:
    """Run one managed backend's tests against its real framework, on the CPU.

    pip (not uv) installs here, so that the CPU build of torch pinned in
    tests/constraints.txt comes from the machine's wheel cache.
    """
    folder, _, backend = suite.partition("-")
    requirements = f"tests/{folder}/requirements{'-' + backend if backend else ''}.txt"
    session.install(*CONSTRAINTS, *TEST_REQUIREMENTS, "-r", requirements)
    session.install(*CONSTRAINTS, "./shac_core", f"./shac_{folder}")
    env = {"SHAC_TEST_SESSION": session.name}
    if backend:
        env["KERAS_BACKEND"] = backend
    session.run("pytest", *(session.posargs or (f"tests/{folder}",)), env=env)


@nox.session(python=MAIN_PYTHON, tags=["ci"], default=False)
def plugins(session: nox.Session) -> None:
    """Install a real third-party plugin and the extras from a local wheelhouse.

    The script builds every distribution's wheel, installs them into fresh
    environments of its own and runs tests/plugins in each. Posargs go to the
    script: ``nox -s plugins -- --only thirdparty -x`` runs one environment and
    passes ``-x`` on to pytest.
    """
    session.install("packaging")
    workdir = session.create_tmp()
    script = "tests/plugins/run_plugin_session.py"
    session.run("python", script, "--workdir", workdir, *session.posargs)


@nox.session(python=MAIN_PYTHON, tags=["ci"], default=False)
def dask(session: nox.Session) -> None:
    """Run the Dask policy's tests on a real LocalCluster over loopback."""
    _run_tests(session, "./shac_core[dask]", paths=("tests/dask",))
