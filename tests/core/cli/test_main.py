from __future__ import annotations

import subprocess
import sys

import pytest

from shac_core.cli import main


@pytest.fixture
def demo_run(tmp_path, capsys):
    save = tmp_path / "demo"
    code = main(
        [
            "demo",
            "--budget",
            "8",
            "--batches",
            "2",
            "--backend",
            "threading",
            "--workers",
            "2",
            "--save-dir",
            str(save),
            "--no-progress",
        ]
    )
    return code, save, capsys.readouterr().out


def test_demo_runs_a_real_search_and_prints_the_best(demo_run):
    code, save, out = demo_run

    assert code == 0
    assert "Breast Cancer Wisconsin (569 rows, 30 features)" in out
    assert "best score 0.9" in out
    assert "max_depth=" in out
    assert (save / "dataset.csv").read_text().count("\n") == 9


def test_summary_reports_counts_and_best(demo_run, capsys):
    _, save, _ = demo_run

    assert main(["summary", str(save)]) == 0
    out = capsys.readouterr().out

    assert "evaluations:    8 of 8 (0 failed)" in out
    assert "best score" in out


def test_plot_writes_a_png(demo_run, tmp_path, capsys):
    _, save, _ = demo_run
    output = tmp_path / "p.png"

    assert main(["plot", str(save), "-o", str(output)]) == 0

    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_resume_continues_a_saved_search(demo_run, capsys):
    _, save, _ = demo_run

    assert (
        main(
            [
                "demo",
                "--resume",
                "--save-dir",
                str(save),
                "--backend",
                "sequential",
                "--no-progress",
            ]
        )
        == 0
    )

    assert "best score" in capsys.readouterr().out


def test_summary_of_a_missing_directory_fails_cleanly(tmp_path, capsys):
    assert main(["summary", str(tmp_path / "none")]) == 2

    assert "is not a directory" in capsys.readouterr().err


def test_plugins_lists_the_builtins(capsys):
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out

    assert "shac  [shac-core" in out
    assert "loky, processes, sequential, threading" in out


def test_the_command_is_installed():
    result = subprocess.run(
        [sys.executable, "-m", "shac_core.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )

    assert "demo" in result.stdout
    assert "plugins" in result.stdout


def test_cli_errors_are_one_line_with_status_2(tmp_path, capsys):
    assert (
        main(
            [
                "demo",
                "--budget",
                "7",
                "--batches",
                "3",
                "--save-dir",
                str(tmp_path / "d"),
            ]
        )
        == 2
    )

    assert "divisible by `num_batches`" in capsys.readouterr().err


def test_demo_on_an_existing_search_suggests_resume(demo_run, capsys):
    _, save, _ = demo_run

    assert main(["demo", "--save-dir", str(save), "--no-progress"]) == 2

    assert "add `--resume`" in capsys.readouterr().err
