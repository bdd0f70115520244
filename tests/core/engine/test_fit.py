from __future__ import annotations

import csv

import pytest
from tests.core.conftest import quadratic

import shac_core as sc


class Recorder(sc.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs):
        self.events.append(("train_begin", logs["total_budget"]))

    def on_epoch_begin(self, epoch, logs):
        self.events.append(("epoch_begin", epoch))

    def on_evaluation_begin(self, evaluation_id, logs):
        self.events.append(("eval_begin", evaluation_id))

    def on_evaluation_ended(self, evaluation_id, logs):
        assert self.engine.save_dir.dataset_file.read_text().count("\n") >= 2
        self.events.append(("eval_end", evaluation_id, logs["score"] is not None))

    def on_dataset_changed(self, logs):
        self.events.append(("dataset", logs["size"]))

    def on_epoch_end(self, epoch, logs):
        self.events.append(("epoch_end", epoch, logs["num_classifiers"]))

    def on_train_end(self, logs):
        self.events.append(("train_end", logs["evaluations"], logs["failures"]))


def test_callbacks_hear_every_step_in_order(make_engine):
    recorder = Recorder()
    callbacks = [recorder]
    engine = make_engine(4, 2)

    engine.fit(quadratic, callbacks=callbacks, progress=False)

    assert callbacks == [recorder]
    assert recorder.engine is engine
    assert recorder.events[0] == ("train_begin", 4)
    assert recorder.events[1:8] == [
        ("epoch_begin", 0),
        ("eval_begin", 0),
        ("eval_begin", 1),
        ("eval_end", 0, True),
        ("dataset", 1),
        ("eval_end", 1, True),
        ("dataset", 2),
    ]
    assert recorder.events[8][:2] == ("epoch_end", 0)
    assert recorder.events[-1] == ("train_end", 4, 0)


def test_history_best_and_columns(make_engine):
    engine = make_engine(8, 2)

    history = engine.fit(quadratic, progress=False)

    assert set(history.history) == {"id", "x", "y", "score", "error"}
    assert history.best()["score"] == engine.best().score
    assert len(history.epochs) == 2


def test_csv_logger_writes_a_row_per_evaluation(make_engine, tmp_path):
    engine = make_engine(6, 2)
    path = tmp_path / "log.csv"

    engine.fit(quadratic, callbacks=[sc.CSVLogger(path)], progress=False)

    rows = list(csv.DictReader(path.read_text().splitlines()))
    assert len(rows) == 6
    assert rows[0].keys() >= {"id", "x", "y", "score", "error", "worker_id", "duration"}


def test_a_non_callback_is_refused(make_engine):
    with pytest.raises(TypeError, match=r"must be a shac_core\.Callback"):
        make_engine().fit(quadratic, callbacks=[print], progress=False)


def test_a_non_callable_function_is_refused(make_engine):
    with pytest.raises(TypeError, match="`fn` must be callable"):
        make_engine().fit("quadratic", progress=False)


def test_progress_bar_shows_evaluations(make_engine, capsys):
    make_engine(4, 2).fit(quadratic, progress=True)

    assert "4/4" in capsys.readouterr().err


def test_fit_logs_one_line_per_epoch(make_engine, caplog):
    caplog.set_level("INFO", logger="shac_core")

    make_engine(8, 2).fit(quadratic, progress=False)

    epochs = [r for r in caplog.records if "Epoch" in r.getMessage()]
    assert [r.getMessage()[:9] for r in epochs] == ["Epoch 1/2", "Epoch 2/2"]


def test_failures_are_logged_as_warnings(make_engine, caplog):
    make_engine(4, 1).fit(lambda wid, p: float("nan"), progress=False)

    assert (
        sum(
            "failed" in r.getMessage()
            for r in caplog.records
            if r.levelname == "WARNING"
        )
        == 4
    )


def test_callbacks_receive_the_traceback_of_a_failure(make_engine):
    class Keep(sc.Callback):
        def __init__(self):
            super().__init__()
            self.tracebacks = []

        def on_evaluation_ended(self, evaluation_id, logs):
            self.tracebacks.append(logs["traceback"])

    def fn(worker_id, params):
        msg = "diverged"
        raise ArithmeticError(msg)

    keep = Keep()
    make_engine(4, 1).fit(fn, callbacks=[keep], progress=False)

    assert all("ArithmeticError: diverged" in t for t in keep.tracebacks)
    assert all("Traceback" in t for t in keep.tracebacks)
