"""The example plugin thirdparty-backend, installed from its wheel beside shac-core."""

from __future__ import annotations

import importlib.metadata
import logging
from pathlib import Path
import runpy
import shutil
import subprocess
import sys

import pytest
import thirdparty_backend

import shac_core as sc


def objective(worker_id, params):
    return params["x"] + 10 * params["y"]


def make_space():
    return [
        sc.UniformContinuousHyperParameter("x", 0.0, 1.0),
        sc.DiscreteHyperParameter("y", [1, 2, 3]),
    ]


def test_environment_holds_the_installed_wheels_not_the_checkout():
    prefix = Path(sys.prefix).resolve()

    for module in (sc, thirdparty_backend):
        assert Path(module.__file__).resolve().is_relative_to(prefix)
    assert importlib.metadata.version("thirdparty-backend") == "0.3.0"
    assert Path(shutil.which("shac")).resolve().is_relative_to(prefix)


def test_get_engine_finds_the_plugin_engine():
    assert sc.get_engine("scaled") is thirdparty_backend.ScaledSHAC
    assert sc.available_engines() == ["default", "scaled", "shac"]


def test_get_policy_finds_the_plugin_policy():
    assert sc.get_policy("inline") is thirdparty_backend.InlinePolicy
    assert "inline" in sc.available_policies()


def test_list_plugins_describes_the_plugin():
    infos = {info.name: info for info in sc.list_plugins()}

    assert infos["thirdparty"] == sc.plugins.PluginInfo(
        "thirdparty",
        "thirdparty-backend",
        "0.3.0",
        engines=["scaled"],
        policies=["inline"],
    )
    assert all(info.error is None for info in infos.values())


def test_shac_plugins_command_lists_the_plugin(shac_command):
    out, err = shac_command("plugins")

    assert "thirdparty  [thirdparty-backend 0.3.0]\n    engines:  scaled\n" in out
    assert "    policies: inline\n" in out
    assert "shac  [shac-core" in out
    assert err == ""


def test_listing_imports_neither_the_framework_nor_runs_anything():
    """In a fresh interpreter: the framework loads only once an evaluation runs."""
    code = """if True:
        import sys, tempfile
        import shac_core as sc

        sc.list_plugins()
        engine_cls = sc.get_engine("scaled")
        sc.get_policy("inline")
        print("thirdparty_backend._framework" in sys.modules)

        space = [sc.UniformContinuousHyperParameter("x", 0.0, 1.0)]
        engine = engine_cls(space, 2, 1, save_dir=tempfile.mkdtemp(), seed=0)
        engine.evaluator_backend = "inline"
        engine.fit(lambda worker_id, params: params["x"], progress=False)
        print("thirdparty_backend._framework" in sys.modules)
    """

    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )

    assert done.stdout.split() == ["False", "True"]


def test_fit_runs_through_the_plugin_engine_and_policy(tmp_path, caplog):
    from thirdparty_backend import _framework

    engine = sc.get_engine("scaled")(
        make_space(), 9, 3, scale=10.0, save_dir=tmp_path, seed=3
    )
    engine.evaluator_backend = "inline"
    seeds_before = len(_framework.SEEDS)

    with caplog.at_level(logging.INFO, logger="thirdparty_backend"):
        history = engine.fit(objective, skip_cv_checks=True, progress=False)

    assert len(history) == 9
    for (
        record
    ) in engine.dataset:  # the handler scaled every score, position by position
        assert record.score == pytest.approx(10.0 * objective(0, record.params))
    policy_lines = [
        r.getMessage() for r in caplog.records if r.name.startswith("thirdparty")
    ]
    assert policy_lines == [f"inline: running item {i} of 3" for i in (3, 2, 1)] * 3
    assert (
        len(_framework.SEEDS) - seeds_before == 9
    )  # the handler's setup ran each time


def test_fit_with_processes_pickles_the_plugin_handler(tmp_path):
    engine = sc.get_engine("scaled")(
        make_space(), 4, 2, scale=-1.0, save_dir=tmp_path, seed=0
    )
    engine.set_num_parallel_evaluators(2)
    engine.parallel_evaluators()

    # A lambda travels by value; this module is not importable in the loky workers.
    engine.fit(lambda _, p: p["x"] + 10 * p["y"], skip_cv_checks=True, progress=False)

    assert [r.error for r in engine.dataset] == [None] * 4
    assert all(
        r.score == pytest.approx(-objective(0, r.params)) for r in engine.dataset
    )


def test_saved_run_restores_the_plugin_engine_options(tmp_path):
    engine = sc.get_engine("scaled")(
        make_space(), 4, 2, scale=0.5, save_dir=tmp_path, seed=1
    )
    engine.evaluator_backend = "inline"
    engine.fit(objective, skip_cv_checks=True, progress=False)

    restored = thirdparty_backend.ScaledSHAC.load(tmp_path)

    assert restored.scale == 0.5
    assert [r.score for r in restored.dataset] == [r.score for r in engine.dataset]


def test_unknown_engine_error_lists_the_plugin_engine():
    with pytest.raises(
        sc.PluginError, match=r"available: default, scaled, shac\. Install"
    ):
        sc.get_engine("torch")


def _doc_example(name):
    doc = (Path(__file__).resolve().parents[2] / "docs" / "plugins.md").read_text()
    start = doc.index(f"<!-- example: {name} -->\n```")
    body = doc[doc.index("\n", doc.index("```", start)) + 1 :]
    return body[: body.index("```\n")]


def test_docs_usage_example_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    script = tmp_path / "example.py"
    script.write_text(_doc_example("usage"))

    namespace = runpy.run_path(str(script))

    engine = namespace["engine"]
    assert type(engine) is thirdparty_backend.ScaledSHAC
    best = engine.best()
    assert float(capsys.readouterr().out) == pytest.approx(best.score)
    assert best.score == pytest.approx(10.0 * objective(0, best.params))
    assert (tmp_path / "scaled-run").is_dir()


def test_docs_shac_plugins_example_matches_the_command(shac_command):
    out, _ = shac_command("plugins")

    assert _doc_example("shac plugins") in out
