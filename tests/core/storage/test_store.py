from __future__ import annotations

from collections import OrderedDict
import json

import numpy as np
import pytest
import xgboost as xgb

import shac_core as sc
from shac_core.storage import EvaluationRecord
from shac_core.storage import SaveDirectory
from shac_core.storage import read_dataset_csv


@pytest.fixture
def space():
    return sc.HyperParameterList(
        [
            sc.DiscreteHyperParameter("d", [0, False, None, "0", "0.8", 0.8]),
            sc.MultiIntegerHyperParameter("m", 1, 5, sample_count=2),
            sc.LogUniformHyperParameter("lr", 1e-4, 1.0),
        ]
    )


def records(space, n=6):
    configs = space.decode(space.sample_matrix(np.random.default_rng(0), n))
    return [EvaluationRecord(i, c, float(i) / 3, None) for i, c in enumerate(configs)]


def test_dataset_appends_and_reads_back_exactly(tmp_path, space):
    store = SaveDirectory(tmp_path / "s")
    store.start_dataset(space)
    written = records(space)

    for record in written:
        store.append(space, record)

    assert store.read_dataset(space) == written


def test_dataset_header_is_the_fit_dataset_format(tmp_path, space):
    store = SaveDirectory(tmp_path)
    store.start_dataset(space)

    header = store.dataset_file.read_text().splitlines()[0]

    assert header == "id,d,m_1,m_2,lr,scores,error"


def test_failed_records_round_trip(tmp_path, space):
    store = SaveDirectory(tmp_path)
    store.start_dataset(space)
    failed = EvaluationRecord(0, records(space, 1)[0].params, None, "ValueError: boom")

    store.append(space, failed)

    assert store.read_dataset(space) == [failed]
    assert not store.read_dataset(space)[0].ok


def test_an_unterminated_last_line_is_dropped(tmp_path, space, caplog):
    store = SaveDirectory(tmp_path)
    store.start_dataset(space)
    for record in records(space, 3):
        store.append(space, record)
    with open(store.dataset_file, "a") as handle:
        handle.write("3,0,1,2")  # a crash in the middle of an append

    read = store.read_dataset(space)

    assert [r.id for r in read] == [0, 1, 2]
    assert "incomplete last line" in caplog.text


def test_a_damaged_row_names_file_and_line(tmp_path, space):
    store = SaveDirectory(tmp_path)
    store.start_dataset(space)
    with open(store.dataset_file, "a") as handle:
        handle.write('0,"nope",1,2,0.1,0.5,\n')

    with pytest.raises(sc.SaveDirectoryError, match=r"Line 2 of dataset .*dataset.csv"):
        store.read_dataset(space)


def test_missing_columns_are_named(tmp_path, space):
    path = tmp_path / "d.csv"
    path.write_text("id,d,lr,scores\n")

    with pytest.raises(sc.SaveDirectoryError, match="lacks the column"):
        read_dataset_csv(path, space)


def test_state_is_versioned_and_atomic(tmp_path):
    store = SaveDirectory(tmp_path)

    store.write_state({"seed": 3})

    assert json.loads(store.state_file.read_text()) == {"format_version": 1, "seed": 3}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_damaged_state_names_the_file(tmp_path):
    store = SaveDirectory(tmp_path)
    store.state_file.write_text("{not json")

    with pytest.raises(sc.SaveDirectoryError, match=r"state.json is damaged"):
        store.read_state()


def test_other_format_version_is_refused(tmp_path):
    store = SaveDirectory(tmp_path)
    store.state_file.write_text('{"format_version": 99}')

    with pytest.raises(sc.SaveDirectoryError, match="format version 99"):
        store.read_state()


def test_missing_space_file_is_named(tmp_path):
    with pytest.raises(sc.SaveDirectoryError, match=r"space.json is missing"):
        SaveDirectory(tmp_path).read_space()


def test_classifiers_use_xgboost_json_and_predict_identically(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(50, 2))
    booster = xgb.train(
        {"objective": "binary:logistic"}, xgb.DMatrix(x, label=x[:, 0] > 0.5), 5
    )
    store = SaveDirectory(tmp_path)

    name = store.write_classifier(0, booster)
    cascade = store.read_cascade([name], [0.5])

    assert json.loads((store.classifier_dir / name).read_text())["learner"]
    np.testing.assert_array_equal(
        cascade.boosters[0].inplace_predict(x), booster.inplace_predict(x)
    )


def test_missing_or_damaged_classifier_is_named(tmp_path):
    store = SaveDirectory(tmp_path)
    store.classifier_dir.mkdir()
    (store.classifier_dir / "clf_000.json").write_text("garbage")

    with pytest.raises(sc.SaveDirectoryError, match=r"clf_001\.json .* is missing"):
        store.read_cascade(["clf_001.json"], [0.5])
    with pytest.raises(sc.SaveDirectoryError, match=r"clf_000\.json is damaged"):
        store.read_cascade(["clf_000.json"], [0.5])


def test_pyshac_csv_without_id_or_error_columns_reads(tmp_path, space):
    path = tmp_path / "old.csv"
    path.write_text("d,m_1,m_2,lr,scores\n0.8,1,2,0.01,0.5\nNone,3,4,0.1,nan\n")

    rows = read_dataset_csv(path, space)

    assert rows[0] == EvaluationRecord(
        0, OrderedDict(d=0.8, m=[1, 2], lr=0.01), 0.5, None
    )
    assert rows[1].params["d"] is None
    assert rows[1].score is None


def test_an_empty_classifier_file_is_damage_not_a_crash(tmp_path):
    store = SaveDirectory(tmp_path)
    store.classifier_dir.mkdir()
    (store.classifier_dir / "clf_000.json").write_bytes(b"")

    with pytest.raises(sc.SaveDirectoryError, match=r"clf_000\.json is damaged"):
        store.read_cascade(["clf_000.json"], [0.5])


def test_pass_rates_must_match_the_classifiers(tmp_path):
    with pytest.raises(
        sc.SaveDirectoryError, match="names 1 classifiers but 0 pass rates"
    ):
        SaveDirectory(tmp_path).read_cascade(["clf_000.json"], [])


def test_a_missing_dataset_beside_a_state_is_damage(tmp_path, space):
    store = SaveDirectory(tmp_path)
    store.write_state({})

    with pytest.raises(sc.SaveDirectoryError, match=r"dataset\.csv is missing"):
        store.read_dataset(space)
