from __future__ import annotations

import logging

import shac_core as sc


def test_log_to_stderr_installs_one_handler(capsys):
    logger = logging.getLogger("shac_core")
    try:
        sc.log_to_stderr("DEBUG")
        handler = sc.log_to_stderr(logging.INFO)
        logging.getLogger("shac_core.engine").info("hello %s", "there")

        assert sum(getattr(h, "_shac_handler", False) for h in logger.handlers) == 1
        assert handler.level == logging.INFO
        assert "hello there" in capsys.readouterr().err
    finally:
        for h in list(logger.handlers):
            logger.removeHandler(h)
        logger.setLevel(logging.NOTSET)


def test_library_installs_no_handler_by_default():
    assert not [
        h
        for h in logging.getLogger("shac_core").handlers
        if not isinstance(h, logging.NullHandler)
    ]
