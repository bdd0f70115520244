from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from tests.core.conftest import branin
from tests.core.conftest import quadratic

import shac_core as sc


def params_of(engine):
    return [(r.id, tuple(r.params.items())) for r in engine.dataset]


@pytest.mark.parametrize(
    ("budget", "batches", "max_classifiers", "expected"),
    [
        (200, 10, 18, (20, 9, 20)),
        (100, 1, 18, (100, 1, 100)),
        (400, 40, 18, (10, 18, 20)),
        (1000, 10, 3, (100, 3, 200)),
        (50, 50, 18, (1, 18, 2)),
        (20, 4, 18, (5, 3, 5)),
    ],
)
def test_budget_arithmetic_matches_pyshac(
    make_engine, budget, batches, max_classifiers, expected
):
    engine = make_engine(budget, batches, max_classifiers=max_classifiers)

    got = (engine.num_workers, engine.total_classifiers, engine.per_classifier_budget)

    assert got == expected
    assert engine.batch_size == engine.num_workers


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"total_budget": 10, "num_batches": 3},
            ValueError,
            "divisible by `num_batches`",
        ),
        (
            {"total_budget": 0, "num_batches": 1},
            ValueError,
            "`total_budget` must be an integer of at least 1",
        ),
        ({"objective": "maximise"}, ValueError, "`objective` must be 'max' or 'min'"),
        (
            {"max_classifiers": 0},
            ValueError,
            "`max_classifiers` must be an integer of at least 1",
        ),
        ({"seed": -1}, ValueError, "`seed` must be an integer of at least 0"),
        ({"parameters": []}, sc.SearchSpaceError, "at least one hyperparameter"),
    ],
)
def test_invalid_arguments_fail_at_once(tmp_path, space, kwargs, error, match):
    args = {
        "parameters": space,
        "total_budget": 10,
        "num_batches": 2,
        "save_dir": tmp_path,
    }
    args.update(kwargs)

    with pytest.raises(error, match=match):
        sc.SHAC(**args)


def test_unknown_backend_fails_at_once_listing_choices(make_engine):
    engine = make_engine()

    with pytest.raises(sc.PluginError, match=r"available: .*loky"):
        engine.evaluator_backend = "nope"


def test_fit_runs_the_whole_budget(make_engine):
    engine = make_engine(40, 4, objective="min")

    history = engine.fit(branin, progress=False, skip_cv_checks=True)

    assert len(history) == 40
    assert [r.id for r in engine.dataset] == list(range(40))
    assert len(engine.classifiers) == 3
    assert engine.best().score == min(history.history["score"])


def test_single_batch_works(make_engine):
    engine = make_engine(12, 1)

    engine.fit(quadratic, progress=False)

    assert len(engine.dataset) == 12
    assert engine.total_classifiers == 1


def test_search_beats_random_on_branin(make_engine):
    engine = make_engine(200, 10, objective="min")

    engine.fit(branin, progress=False)
    last_epoch = [r.score for r in engine.dataset[-20:]]
    first_epoch = [r.score for r in engine.dataset[:20]]

    assert sorted(last_epoch)[10] < sorted(first_epoch)[10]
    assert engine.best().score < 1.0


def test_proposals_are_the_same_for_any_worker_count(make_engine):
    serial = make_engine(24, 4)
    serial.fit(quadratic, progress=False)
    threads = make_engine(24, 4, serial=False)
    threads.set_num_parallel_evaluators(3)
    threads.concurrent_evaluators()
    threads.set_num_parallel_generators(2)
    threads.fit(quadratic, progress=False)

    assert params_of(serial) == params_of(threads)


@pytest.mark.processes
def test_proposals_are_the_same_with_loky_and_a_lambda(make_engine):
    serial = make_engine(16, 4)
    serial.fit(quadratic, progress=False)
    shift = 2.0
    loky = make_engine(16, 4, serial=False)
    loky.set_num_parallel_evaluators(2)

    loky.fit(
        lambda wid, p: -((p["x"] - 1.0) ** 2) - (p["y"] - shift) ** 2, progress=False
    )

    assert loky.evaluator_backend == "loky"
    assert params_of(serial) == params_of(loky)
    assert [r.score for r in serial.dataset] == [r.score for r in loky.dataset]


def test_one_threading_evaluator_runs_strictly_in_order(make_engine):
    calls = []

    def fn(worker_id, params):
        calls.append(("start", worker_id))
        calls.append(("end", worker_id))
        return params["x"]

    engine = make_engine(12, 3)
    engine.fit(fn, progress=False)
    order = [r.id for r in engine.dataset]

    assert calls == [("start", 0), ("end", 0)] * 12
    assert order == list(range(12))


def test_nan_and_raising_evaluations_do_not_stop_the_run(make_engine):
    def fn(worker_id, params):
        if params["x"] > 7:
            msg = "diverged"
            raise FloatingPointError(msg)
        if params["x"] < -2:
            return float("nan")
        return quadratic(worker_id, params)

    engine = make_engine(60, 6, seed=3)
    history = engine.fit(fn, progress=False)
    failed = [r for r in engine.dataset if not r.ok]

    assert len(engine.dataset) == 60
    assert any("FloatingPointError: diverged" in r.error for r in failed)
    assert any("nan" in r.error for r in failed)
    assert len(engine.classifiers) >= 1
    assert history.history["error"].count(None) == 60 - len(failed)


def test_non_numbers_are_recorded_as_failures(make_engine):
    engine = make_engine(8, 2)

    engine.fit(lambda wid, p: "0.8", progress=False)

    assert all("not a number" in r.error for r in engine.dataset)


def test_raise_on_failure_stops_after_saving(make_engine):
    engine = make_engine(10, 2)

    def fn(worker_id, params):
        msg = "bad config"
        raise ValueError(msg)

    with pytest.raises(sc.EvaluationError, match="ValueError: bad config It is saved"):
        engine.fit(fn, progress=False, raise_on_failure=True)
    assert len(sc.SHAC.load(engine.save_dir.path).dataset) == 1


def test_every_hyperparameter_type_round_trips_through_save_and_restore(tmp_path):
    space = [
        sc.DiscreteHyperParameter("d", [0, False, None, "0", "0.8", True]),
        sc.UniformContinuousHyperParameter("u", 0.1, 2.0, log_encode=True),
        sc.NormalContinuousHyperParameter("n", 0.0, 1.0),
        sc.IntegerHyperParameter("i", 1, 100, log=True),
        sc.LogUniformHyperParameter("l", 1e-5, 1.0),
        sc.MultiDiscreteHyperParameter("md", ["a", 1, None], sample_count=2),
        sc.MultiUniformContinuousHyperParameter("mu", 0.0, 1.0, sample_count=2),
        sc.MultiNormalContinuousHyperParameter("mn", 0.0, 1.0, sample_count=2),
        sc.MultiIntegerHyperParameter("mi", 0, 3, sample_count=3),
    ]
    engine = sc.SHAC(space, 12, 3, save_dir=tmp_path / "s", seed=1)
    engine.concurrent_evaluators()
    seen = []
    engine.fit(lambda wid, p: seen.append(p) or float(len(seen)), progress=False)

    restored = sc.SHAC.load(tmp_path / "s")

    assert restored.parameters == engine.parameters
    for record, config in zip(restored.dataset, seen, strict=True):
        assert [(type(v), v) for v in record.params.values()] == [
            (type(v), v) for v in config.values()
        ]
    assert isinstance(seen[0]["md"], list)


def test_restore_needs_nothing_passed_again(make_engine):
    engine = make_engine(20, 4, objective="min", max_classifiers=2, seed=42)
    engine.fit(branin, progress=False)

    restored = sc.SHAC(None, None, None, save_dir=engine.save_dir.path)
    restored.restore_data()

    assert (restored.total_budget, restored.num_batches, restored.objective) == (
        20,
        4,
        "min",
    )
    assert restored.seed == 42
    assert restored.total_classifiers == 2
    assert len(restored.classifiers) == len(engine.classifiers)
    assert params_of(restored) == params_of(engine)
    assert restored.predict(3) == engine.predict(3)


def test_an_existing_search_is_never_overwritten(make_engine, tmp_path):
    first = make_engine(8, 2, save_dir=tmp_path / "same")
    first.fit(quadratic, progress=False)
    before = (tmp_path / "same" / "dataset.csv").read_text()
    second = make_engine(8, 2, save_dir=tmp_path / "same")

    with pytest.raises(sc.SaveDirectoryError, match="already holds a saved search"):
        second.fit(quadratic, progress=False)
    assert (tmp_path / "same" / "dataset.csv").read_text() == before


def test_restoring_a_missing_directory_names_the_file(tmp_path):
    with pytest.raises(sc.SaveDirectoryError, match=r"nowhere.state.json is missing"):
        sc.SHAC.load(tmp_path / "nowhere")


def test_blank_engine_refuses_to_fit_before_restore(tmp_path):
    engine = sc.SHAC(None, None, None, save_dir=tmp_path)

    with pytest.raises(sc.SaveDirectoryError, match="call `restore_data\\(\\)` first"):
        engine.fit(quadratic, progress=False)


def test_resume_after_interrupt_gives_exactly_the_budget(make_engine, tmp_path):
    reference = make_engine(30, 5)
    reference.fit(quadratic, progress=False)
    calls = 0

    def flaky(worker_id, params):
        nonlocal calls
        calls += 1
        if calls == 14:
            raise KeyboardInterrupt
        return quadratic(worker_id, params)

    engine = make_engine(30, 5, save_dir=tmp_path / "crash")
    engine.evaluator_backend = "sequential"
    with pytest.raises(KeyboardInterrupt):
        engine.fit(flaky, progress=False)
    resumed = sc.SHAC.load(tmp_path / "crash")
    resumed.concurrent_evaluators()
    history = resumed.fit(quadratic, progress=False)

    ids = [r.id for r in resumed.dataset]
    assert len(history) == 30 - 13
    assert ids == list(range(30))
    assert len({tuple(r.params.items()) for r in resumed.dataset}) == 30
    assert params_of(resumed) == params_of(reference)


DRIVER = """
import os, signal, sys
import shac_core as sc
space = [sc.UniformContinuousHyperParameter("x", -5.0, 10.0),
         sc.UniformContinuousHyperParameter("y", 0.0, 15.0)]
engine = sc.SHAC(space, 30, 5, save_dir=sys.argv[1], seed=0)
engine.evaluator_backend = "sequential"
count = 0
def fn(wid, p):
    global count
    count += 1
    if count == 17:
        os.kill(os.getpid(), signal.SIGKILL)
    return -((p["x"] - 1.0) ** 2) - (p["y"] - 2.0) ** 2
engine.fit(fn, progress=False)
"""


@pytest.mark.slow
def test_resume_after_the_driver_process_is_killed(make_engine, tmp_path):
    reference = make_engine(30, 5)
    reference.fit(quadratic, progress=False)
    script = tmp_path / "driver.py"
    script.write_text(textwrap.dedent(DRIVER))

    killed = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "k")], check=False
    )
    resumed = sc.SHAC.load(tmp_path / "k")
    resumed.concurrent_evaluators()
    resumed.fit(quadratic, progress=False)

    assert killed.returncode == -signal.SIGKILL
    assert params_of(resumed) == params_of(reference)
    assert [r.score for r in resumed.dataset] == [r.score for r in reference.dataset]


def make_killer(marker):
    # A nested function travels to loky workers by value, whatever the import mode.
    def kill_worker_once(worker_id, params):
        if not marker.exists():
            marker.write_text("killed")
            os.kill(os.getpid(), signal.SIGKILL)
        return params["x"]

    return kill_worker_once


@pytest.mark.processes
@pytest.mark.slow
def test_an_evaluation_lost_with_its_loky_worker_runs_again(make_engine, tmp_path):
    engine = make_engine(8, 2, serial=False)
    engine.set_num_parallel_evaluators(1)

    engine.fit(make_killer(tmp_path / "marker"), progress=False)

    assert (tmp_path / "marker").exists()
    assert [r.id for r in engine.dataset] == list(range(8))
    assert all(r.ok for r in engine.dataset)


@pytest.mark.processes
@pytest.mark.slow
def test_without_retries_a_killed_loky_worker_costs_one_evaluation(
    make_engine, tmp_path
):
    engine = make_engine(8, 2, serial=False)
    engine.evaluator_backend = sc.LokyPolicy(1, retries=0)

    engine.fit(make_killer(tmp_path / "marker"), progress=False)

    failed = [r for r in engine.dataset if not r.ok]
    assert len(engine.dataset) == 8
    assert len(failed) == 1
    assert "lost" in failed[0].error


def test_ask_and_tell_drive_a_search(make_engine):
    engine = make_engine(24, 3)
    engine.skip_cv_checks = True

    while trials := engine.ask(3):
        engine.tell(trials, [quadratic(0, t.params) for t in trials])

    assert len(engine.dataset) == 24
    assert engine.ask() == []
    assert len(engine.classifiers) >= 1


def test_fit_is_built_on_ask_and_tell(make_engine):
    asked = make_engine(12, 3)
    while trials := asked.ask():
        asked.tell(trials, [quadratic(0, t.params) for t in trials])
    fitted = make_engine(12, 3)

    fitted.fit(quadratic, progress=False)

    assert params_of(asked) == params_of(fitted)


def test_ask_holds_back_the_next_epoch_until_told(make_engine):
    engine = make_engine(8, 2)

    first = engine.ask()
    second = engine.ask()
    engine.tell(first[:2], [1.0, 2.0])

    assert len(first) == 4
    assert second == []
    assert engine.ask() == []
    engine.tell(first[2:], [3.0, 4.0])
    assert [t.epoch for t in engine.ask()] == [1, 1, 1, 1]


def test_tell_accepts_params_and_single_values(make_engine):
    engine = make_engine(4, 1)
    trials = engine.ask()

    engine.tell(trials[0].params, 1.5)
    engine.tell(trials[1], float("nan"))
    engine.tell(trials[2:], [None, 2.0], errors=["timed out", None])

    records = engine.dataset
    assert records[0].score == 1.5
    assert "nan" in records[1].error
    assert records[2].error == "timed out"
    assert records[3].score == 2.0


def test_tell_rejects_unknown_repeated_and_mismatched(make_engine):
    engine = make_engine(4, 1)
    trials = engine.ask()
    engine.tell(trials[0], 1.0)

    with pytest.raises(ValueError, match="already told"):
        engine.tell(trials[0], 1.0)
    with pytest.raises(ValueError, match="one entry each per trial, got 2, 1"):
        engine.tell(trials[1:3], [1.0])
    with pytest.raises(ValueError, match="No pending trial"):
        engine.tell({"x": 0.0, "y": 0.0}, 1.0)


def test_trial_seeds_differ_and_are_reproducible(make_engine):
    a = make_engine(8, 2).ask()
    b = make_engine(8, 2).ask()

    assert [t.seed for t in a] == [t.seed for t in b]
    assert len({t.seed for t in a}) == 4


def test_predict_draws_distinct_configurations_through_the_cascade(make_engine):
    engine = make_engine(40, 4, objective="min")
    engine.fit(branin, progress=False)

    configs = engine.predict(num_samples=25)
    matrix = engine.parameters.encode(configs)

    assert len({tuple(c.items()) for c in configs}) == 25
    assert engine.cascade.accepts(matrix).all()
    assert len(engine.predict()) == 1
    assert len(engine.predict(num_batches=2, num_samples=1)) == 21
    assert engine.predict(0) == []


def test_predict_rejects_too_many_classifiers(make_engine):
    engine = make_engine(20, 4)
    engine.fit(quadratic, progress=False)

    with pytest.raises(ValueError, match="`max_classifiers` must be between 0 and the"):
        engine.predict(2, max_classifiers=len(engine.classifiers) + 1)


def test_as_deterministic_repeats_and_restores(make_engine):
    engine = make_engine(20, 4)
    engine.fit(quadratic, progress=False)
    seed = engine.seed

    with engine.as_deterministic(7):
        first = engine.predict(5)
    with engine.as_deterministic(7):
        second = engine.predict(5)

    assert first == second
    assert engine.seed == seed


def test_set_seed_changes_proposals(make_engine):
    a = make_engine(8, 2)
    b = make_engine(8, 2)
    b.set_seed(123)

    assert [t.params for t in a.ask()] != [t.params for t in b.ask()]
    with pytest.raises(ValueError, match="`seed` must be an integer of at least 0"):
        a.set_seed(-3)


def test_fit_dataset_trains_from_a_csv_with_multi_columns(tmp_path):
    space = [
        sc.UniformContinuousHyperParameter("x", -1.0, 1.0),
        sc.MultiDiscreteHyperParameter("m", ["a", "b", None], sample_count=2),
    ]
    source = sc.SHAC(space, 60, 6, save_dir=tmp_path / "src", seed=0)
    source.concurrent_evaluators()
    source.fit(lambda wid, p: -abs(p["x"] - 0.5) + (p["m"][0] == "a"), progress=False)
    # 400 rows in windows of 20 (two epochs of 10): larger than an epoch.
    target = sc.SHAC(space, 400, 40, save_dir=tmp_path / "dst", seed=0)

    target.fit_dataset(
        tmp_path / "src" / "dataset.csv", presort=False, skip_cv_checks=True
    )

    assert target.per_classifier_budget == 20
    assert target.per_classifier_budget > target.batch_size
    assert len(target.dataset) == 60
    assert 1 <= len(target.classifiers) <= 3
    configs = target.predict(20)
    assert sum(c["m"][0] == "a" for c in configs) > 10
    assert sc.SHAC.load(tmp_path / "dst").classifiers


def test_fit_dataset_names_a_missing_file(make_engine, tmp_path):
    with pytest.raises(sc.SaveDirectoryError, match="does not exist"):
        make_engine().fit_dataset(tmp_path / "absent.csv")


def test_early_stop_ends_the_run_when_no_classifier_is_found(make_engine):
    engine = make_engine(40, 4)

    history = engine.fit(lambda wid, p: 1.0, early_stop=True, progress=False)

    assert len(history) == 10
    assert engine.classifiers == []


def test_save_data_writes_everything_again(make_engine):
    engine = make_engine(20, 4)
    engine.fit(quadratic, progress=False)
    (engine.save_dir.dataset_file).unlink()

    engine.save_data()

    assert len(sc.SHAC.load(engine.save_dir.path).dataset) == 20


def test_repr_and_best(make_engine):
    engine = make_engine(8, 2)
    assert engine.best() is None

    engine.fit(quadratic, progress=False)

    assert "evaluations=8" in repr(engine)
    assert math.isfinite(engine.best().score)


def test_a_state_file_missing_keys_is_reported_as_damaged(make_engine):
    engine = make_engine(8, 2)
    engine.fit(quadratic, progress=False)
    engine.save_dir.state_file.write_text('{"format_version": 1, "seed": 0}')

    with pytest.raises(
        sc.SaveDirectoryError, match=r"state\.json is damaged: KeyError"
    ):
        sc.SHAC.load(engine.save_dir.path)


@pytest.mark.parametrize("name", ["id", "scores", "error"])
def test_names_the_dataset_uses_itself_are_refused(tmp_path, name):
    with pytest.raises(sc.SearchSpaceError, match=f"got '{name}'; rename it"):
        sc.SHAC(
            [sc.UniformContinuousHyperParameter(name, 0.0, 1.0)],
            4,
            2,
            save_dir=tmp_path,
        )


def test_numpy_numbers_are_accepted_and_saved(tmp_path):
    space = [
        sc.UniformContinuousHyperParameter("x", np.float32(0), np.float32(1)),
        sc.NormalContinuousHyperParameter("n", np.float32(0), np.float64(1)),
    ]
    engine = sc.SHAC(
        space, np.int64(8), np.int64(2), seed=np.int64(3), save_dir=tmp_path
    )
    engine.concurrent_evaluators()

    engine.fit(lambda wid, p: p["x"], progress=False)

    assert sc.SHAC.load(tmp_path).total_budget == 8


def test_a_foreign_dataset_file_is_not_written_to(tmp_path, space):
    (tmp_path / "dataset.csv").write_text("name,age\nada,36\n")
    engine = sc.SHAC(space, 4, 2, save_dir=tmp_path)

    with pytest.raises(sc.SaveDirectoryError, match="belongs to no saved search"):
        engine.fit(quadratic, progress=False)
    assert (tmp_path / "dataset.csv").read_text() == "name,age\nada,36\n"


def test_a_function_with_the_wrong_arity_fails_before_any_write(tmp_path, space):
    engine = sc.SHAC(space, 4, 2, save_dir=tmp_path / "s")

    with pytest.raises(TypeError, match=r"callable as fn\(worker_id, params\)"):
        engine.fit(lambda: 1.0, progress=False)
    assert not (tmp_path / "s").exists()


def test_as_deterministic_keeps_the_saved_seed(make_engine):
    engine = make_engine(8, 2, seed=0)

    with engine.as_deterministic(7):
        trials = engine.ask()
        engine.tell(trials, [0.0] * len(trials))

    assert sc.SHAC.load(engine.save_dir.path).seed == 0


def test_sys_exit_and_huge_numbers_are_failed_evaluations(make_engine):
    def fn(worker_id, params):
        if params["x"] > 2.5:
            raise SystemExit(3)
        return 10**400

    engine = make_engine(8, 2)
    engine.fit(fn, progress=False)

    errors = {r.error.split(":")[0].split(" ")[0] for r in engine.dataset}
    assert errors <= {"SystemExit", "The"}
    assert any("too large for a float" in r.error for r in engine.dataset)


def test_one_element_arrays_count_as_scores(make_engine):
    engine = make_engine(4, 1)

    engine.fit(lambda wid, p: np.array([p["x"]]), progress=False)

    assert all(r.ok for r in engine.dataset)


def test_tell_checks_scores_and_repeats(make_engine):
    engine = make_engine(4, 1)
    trials = engine.ask()

    with pytest.raises(TypeError, match="must be a list with one score per trial"):
        engine.tell([trials[0]], 0.3)
    with pytest.raises(ValueError, match="names one trial twice"):
        engine.tell([trials[0], trials[0]], [0.1, 0.2])
    assert engine.dataset == []


def test_small_windows_train_without_cv_checks(make_engine):
    engine = make_engine(12, 3)

    engine.fit(quadratic, skip_cv_checks=True, progress=False)

    assert len(engine.classifiers) == 2


def test_many_classifiers_warn(tmp_path, space):
    with pytest.warns(sc.ShacWarning, match="exceeds the paper's 18"):
        sc.SHAC(space, 40, 40, max_classifiers=30, save_dir=tmp_path)


def test_duplicate_ids_in_the_dataset_are_damage(make_engine):
    engine = make_engine(8, 2)
    engine.fit(quadratic, progress=False)
    lines = engine.save_dir.dataset_file.read_text().splitlines()
    engine.save_dir.dataset_file.write_text("\n".join([*lines, lines[1]]) + "\n")

    with pytest.raises(sc.SaveDirectoryError, match="id 0 is repeated"):
        sc.SHAC.load(engine.save_dir.path)


def test_a_cut_last_line_is_removed_before_resuming(make_engine, tmp_path):
    reference = make_engine(8, 2)
    reference.fit(quadratic, progress=False)
    calls = 0

    def crash(worker_id, params):
        nonlocal calls
        calls += 1
        if calls == 7:
            raise KeyboardInterrupt
        return quadratic(worker_id, params)

    engine = make_engine(8, 2, save_dir=tmp_path / "cut")
    engine.evaluator_backend = "sequential"
    with pytest.raises(KeyboardInterrupt):
        engine.fit(crash, progress=False)
    with open(engine.save_dir.dataset_file, "a") as handle:
        handle.write("6,0.88")  # the crash struck in the middle of an append

    resumed = sc.SHAC.load(tmp_path / "cut")
    resumed.concurrent_evaluators()
    resumed.fit(quadratic, progress=False)

    again = sc.SHAC.load(tmp_path / "cut")
    assert [r.id for r in again.dataset] == list(range(8))
    assert params_of(again) == params_of(reference)


def test_a_dataset_missing_finished_epochs_is_damage(make_engine):
    engine = make_engine(8, 2)
    engine.fit(quadratic, progress=False)
    lines = engine.save_dir.dataset_file.read_text().splitlines(keepends=True)
    engine.save_dir.dataset_file.write_text("".join(lines[:6]))

    with pytest.raises(
        sc.SaveDirectoryError, match=r"evaluations \[5, 6, 7\] are missing"
    ):
        sc.SHAC.load(engine.save_dir.path)
