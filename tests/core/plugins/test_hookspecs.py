from __future__ import annotations

import inspect

import pluggy
import pytest

import shac_core as sc
from shac_core.plugins import _hookspecs
from shac_core.plugins import get_plugin_manager


SPECS = sorted(name for name in dir(_hookspecs) if name.startswith("shac_"))


def test_hookspecs_module_exports_the_markers():
    assert _hookspecs.__all__ == ["hookimpl", "hookspec"]
    assert isinstance(_hookspecs.hookspec, pluggy.HookspecMarker)
    assert isinstance(sc.hookimpl, pluggy.HookimplMarker)
    assert sc.hookimpl.project_name == "shac"
    assert _hookspecs.hookspec.project_name == "shac"


def test_hookspecs_are_the_providers():
    assert SPECS == ["shac_register_engines", "shac_register_policies"]


@pytest.mark.parametrize("name", SPECS)
def test_hookspec_is_registered_with_the_manager(name):
    caller = getattr(get_plugin_manager().hook, name)

    assert caller.has_spec()
    assert caller.spec.argnames == ()


@pytest.mark.parametrize("name", SPECS)
def test_hookspec_docstring_follows_the_pattern(name):
    """When it is called, what it returns and how plugins combine, a note for authors."""
    doc = inspect.getdoc(getattr(_hookspecs, name))

    assert doc.splitlines()[0].startswith("Return the ")
    assert doc.index("Called ") < doc.index("Returns:") < doc.index("Note:")
    assert "merged" in doc.lower()
    assert "For plugin authors" in doc


@pytest.mark.parametrize("name", SPECS)
def test_hookspec_body_is_never_run_as_an_implementation(name):
    with pytest.raises(NotImplementedError, match=r"^$"):
        getattr(_hookspecs, name)()


def test_hookimpl_marks_a_function_for_project_shac():
    @sc.hookimpl(tryfirst=True)
    def shac_register_engines():
        return {}

    assert shac_register_engines.shac_impl["tryfirst"] is True


def test_hookimpl_of_another_project_is_ignored():
    class Foreign:
        @pluggy.HookimplMarker("pytest")
        def shac_register_engines(self):
            return {"foreign": sc.SHAC}

    sc.register_plugin(Foreign(), name="foreign")

    assert "foreign" not in sc.available_engines()
