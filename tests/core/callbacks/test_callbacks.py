from __future__ import annotations

import csv

import shac_core as sc
from shac_core.callbacks import CallbackList


def ended(logger, i, score, error=None):
    logger.on_evaluation_ended(i, {"params": {"x": i}, "score": score, "error": error})


def test_history_records_and_finds_the_best():
    history = sc.History()
    ended(history, 0, 1.0)
    ended(history, 1, None, "boom")
    ended(history, 2, 3.0)

    assert len(history) == 3
    assert history.history["error"] == [None, "boom", None]
    assert history.best("max")["id"] == 2
    assert history.best("min")["id"] == 0


def test_history_without_successes_has_no_best():
    history = sc.History()
    ended(history, 0, None, "boom")

    assert history.best() is None


def test_callback_list_fans_out():
    a, b = sc.History(), sc.History()

    CallbackList([a, b]).on_evaluation_ended(0, {"params": {}, "score": 1.0})

    assert len(a) == len(b) == 1


def test_csv_logger_appends_without_a_second_header(tmp_path):
    path = tmp_path / "log.csv"
    for append in (False, True):
        logger = sc.CSVLogger(path, append=append)
        logger.on_train_begin({})
        ended(logger, 0, 1.0)
        logger.on_train_end({})

    rows = list(csv.reader(path.read_text().splitlines()))
    assert rows[0][0] == "id"
    assert len(rows) == 3
