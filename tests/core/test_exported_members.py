from __future__ import annotations

import shac_core


def test_every_exported_name_exists_and_is_documented():
    for name in shac_core.__all__:
        member = getattr(shac_core, name)
        if callable(member) and name != "__version__":
            assert member.__doc__, name


def test_exports_are_sorted_and_unique():
    names = [n for n in shac_core.__all__]
    assert len(names) == len(set(names))


def test_import_does_not_pull_in_frameworks():
    import subprocess
    import sys

    code = (
        "import sys, shac_core; shac_core.available_engines(); shac_core.list_plugins();"
        "names = ('torch', 'tensorflow', 'keras', 'dask', 'distributed', 'matplotlib');"
        "print(sorted(m for m in names if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert out.stdout.strip() == "[]"
