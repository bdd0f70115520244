"""Install shac plugins for real and run tests/plugins inside each fresh environment.

The nox session ``plugins`` runs this script. It

1. builds a wheel of every distribution into a wheelhouse: shac-core, each
   ``shac_*`` folder that has a ``pyproject.toml`` (shac-tf, shac-keras, shac-torch),
   and the test plugins under ``tests/plugins/*_backend``;
2. creates fresh virtual environments and installs into each, in two steps: first
   the third-party requirements from the package index, then the shac wheels with
   ``--no-index --find-links <wheelhouse>``, so that every shac distribution comes
   from the wheelhouse and the extras must pull in their siblings by themselves;
3. runs ``pytest tests/plugins`` inside each environment with ``SHAC_PLUGIN_ENV``
   naming the environment's role (tests/plugins/conftest.py picks the modules).

The environments:

* ``thirdparty``: shac-core and the example plugin ``thirdparty-backend``;
* ``conflicts``: the same plus ``broken-backend`` (its entry point fails to import)
  and ``clashing-backend`` (claims the engine name ``scaled`` too);
* ``extra-<name>``: ``shac-core[<name>]`` alone, for each extra of shac-core that
  names a sibling distribution (``tf``, ``keras``, ``torch``, ``all``). An extra
  whose sibling folder does not exist yet is reported and left out.

Usage: ``python tests/plugins/run_plugin_session.py [--workdir DIR] [--only ROLE]...
[PYTEST-ARGS]``, for example ``nox -s plugins -- --only thirdparty -x``. It needs
``packaging``; ``uv`` is used when found, otherwise ``venv`` and ``pip``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
import os
from pathlib import Path
import shutil
import subprocess
import sys
import time
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
import tomllib


ROOT = Path(__file__).resolve().parents[2]
CORE = "shac-core"
#: Distributions an extra must never pull in: the frameworks are the user's choice.
HEAVY = {"tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tf-nightly", "torch", "jax"}


class FrameworkRequiredError(Exception):
    """A distribution requires TensorFlow, PyTorch or JAX outside an extra."""


@dataclass
class Env:
    """One fresh virtual environment and what goes into it."""

    role: str
    targets: list[str]
    extra: str = ""


def _say(message: str) -> None:
    sys.stdout.write(f"[plugins] {message}\n")
    sys.stdout.flush()


def _run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    command = [str(a) for a in args]
    _say("$ " + " ".join(command))
    subprocess.run(command, check=True, cwd=ROOT, env=env)


def _local_distributions() -> dict[str, Path]:
    """Map each distribution name in the repository to its folder."""
    folders = sorted(ROOT.glob("shac_*/")) + sorted(
        ROOT.glob("tests/plugins/*_backend/")
    )
    found: dict[str, Path] = {}
    for folder in folders:
        if (folder / "pyproject.toml").is_file():
            found[canonicalize_name(_project(folder)["name"])] = folder
    return found


def _project(folder: Path) -> dict[str, Any]:
    project: dict[str, Any] = tomllib.loads((folder / "pyproject.toml").read_text())[
        "project"
    ]
    return project


def _requirements(target: str, local: dict[str, Path]) -> tuple[set[str], set[str]]:
    """Return the index requirements and the local distributions ``target`` needs.

    Raises:
        FrameworkRequiredError: If a sibling requires a framework (see ``HEAVY``).
    """
    wanted = [(Requirement(target), CORE)]
    seen: set[tuple[str, frozenset[str]]] = set()
    external: list[str] = []
    while wanted:
        req, parent = wanted.pop()
        name = canonicalize_name(req.name)
        if name not in local:
            if name in HEAVY:
                msg = (
                    f"{parent} requires {req} unconditionally, so `pip install "
                    f'"shac-core[...]"` would install a framework; make it an extra.'
                )
                raise FrameworkRequiredError(msg)
            external.append(str(req))
            continue

        key = (name, frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        project = _project(local[name])
        optional = project.get("optional-dependencies", {})
        texts = list(project.get("dependencies", []))
        texts += [
            text for extra in sorted(req.extras) for text in optional.get(extra, [])
        ]
        wanted += [(Requirement(text), name) for text in texts]
    return set(external), {name for name, _ in seen}


def _plan(local: dict[str, Path]) -> list[Env]:
    envs = [
        Env("thirdparty", [CORE, "thirdparty-backend"]),
        Env(
            "conflicts",
            [CORE, "thirdparty-backend", "broken-backend", "clashing-backend"],
        ),
    ]
    extras: dict[str, list[str]] = _project(local[CORE]).get(
        "optional-dependencies", {}
    )
    for extra, requirements in extras.items():
        names = {canonicalize_name(Requirement(text).name) for text in requirements}
        siblings = {name for name in names - {CORE} if name.startswith("shac-")}
        if not siblings:
            continue  # plot, dask: nothing of ours to pull in
        missing = sorted(siblings - set(local))
        if missing:
            _say(
                f"extra {extra!r} waits for {', '.join(missing)}: no folder yet; skipped."
            )
            continue
        envs.append(Env(f"extra-{extra}", [f"{CORE}[{extra}]"], extra=extra))
    return envs


class _Installer:
    """Create environments and install into them with uv, or venv and pip."""

    def __init__(self) -> None:
        self.uv = shutil.which("uv")

    def create(self, path: Path) -> Path:
        shutil.rmtree(path, ignore_errors=True)
        if self.uv:
            _run(self.uv, "venv", "--quiet", "--python", sys.executable, path)
        else:
            _run(sys.executable, "-m", "venv", path)
        return path / ("Scripts" if os.name == "nt" else "bin")

    def install(self, bindir: Path, *args: str | Path) -> None:
        python = bindir / "python"
        if self.uv:
            _run(self.uv, "pip", "install", "--quiet", "--python", python, *args)
        else:
            _run(python, "-m", "pip", "install", "--quiet", *args)


def _build(local: dict[str, Path], wheelhouse: Path, installer: _Installer) -> set[str]:
    """Build every wheel into ``wheelhouse``; return the distributions that failed."""
    shutil.rmtree(wheelhouse, ignore_errors=True)
    wheelhouse.mkdir(parents=True)
    failed: set[str] = set()
    for name, folder in local.items():
        if installer.uv:
            command = [installer.uv, "build", "--quiet", "--wheel", "--out-dir"]
        else:
            command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
            command.append("--wheel-dir")
        try:
            _run(*command, wheelhouse, folder)
        except subprocess.CalledProcessError:
            _say(f"{name}: its wheel does not build; environments needing it fail.")
            failed.add(name)
    return failed


def _test_env(
    env: Env,
    installer: _Installer,
    workdir: Path,
    local: dict[str, Path],
    pytest_args: list[str],
    unbuilt: set[str],
) -> bool:
    wheelhouse = workdir / "wheelhouse"
    _say(f"--- {env.role}: {' '.join(env.targets)}")
    external: set[str] = set()
    needed: set[str] = set()
    try:
        for target in env.targets:
            index, ours = _requirements(target, local)
            external |= index
            needed |= ours
    except FrameworkRequiredError as err:
        _say(f"{env.role}: {err}")
        return False
    if needed & unbuilt:
        _say(
            f"{env.role}: needs {', '.join(sorted(needed & unbuilt))}, which did not build."
        )
        return False

    bindir = installer.create(workdir / env.role)
    installer.install(
        bindir,
        *sorted(external),
        "-r", "tests/requirements.txt",
        "-c", "tests/constraints.txt",
    )  # fmt: skip
    installer.install(bindir, "--no-index", "--find-links", wheelhouse, *env.targets)

    run_env = {k: v for k, v in os.environ.items() if not k.startswith("SHAC_")}
    run_env.update(
        PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
        VIRTUAL_ENV=str(bindir.parent),
        SHAC_TEST_SESSION="plugins",
        SHAC_PLUGIN_ENV=env.role.partition("-")[0],
        SHAC_PLUGIN_EXTRA=env.extra,
    )
    try:
        # The environment's own pytest script: unlike `python -m pytest`, it does not
        # put the checkout on sys.path, so shac_core is the installed wheel.
        _run(bindir / "pytest", "tests/plugins", "-p", "no:cacheprovider", *pytest_args,
             env=run_env)  # fmt: skip
    except subprocess.CalledProcessError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    """Build, install and test; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=ROOT / ".nox" / "plugins-tmp")
    parser.add_argument("--only", action="append", help="a role to run (repeatable)")
    args, pytest_args = parser.parse_known_args(argv)

    start = time.perf_counter()
    local = _local_distributions()
    _say(f"distributions: {', '.join(sorted(local))}")
    envs = [e for e in _plan(local) if args.only is None or e.role in args.only]
    installer = _Installer()
    unbuilt = _build(local, args.workdir / "wheelhouse", installer)

    results = {
        env.role: _test_env(env, installer, args.workdir, local, pytest_args, unbuilt)
        for env in envs
    }
    results.update({f"build {name}": False for name in sorted(unbuilt)})

    for role, ok in results.items():
        _say(f"{role:>16}: {'passed' if ok else 'FAILED'}")
    _say(f"done in {time.perf_counter() - start:.0f} s")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
