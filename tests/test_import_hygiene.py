"""The domain and services import nothing heavy; the domain imports nothing third-party.

Each check runs in a fresh interpreter so that what other tests imported does
not hide a stray import.
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("textual", "faster_whisper", "ctranslate2", "sounddevice")
#: What ``--help`` may never load; textual is fine there (the app module may import it).
HEAVY_FOR_HELP = ("faster_whisper", "ctranslate2", "sounddevice")


def modules_of(package: str) -> list[str]:
    """Every module in ``package`` as it is on disk now, found with pkgutil."""
    path = [str(ROOT / package)]
    found = [package] + [
        info.name for info in pkgutil.walk_packages(path, prefix=f"{package}.")
    ]
    return sorted(found)


def loaded_after(code: str) -> set[str]:
    """Run ``code`` in a fresh interpreter; return the names in its sys.modules."""
    script = (
        "import atexit, json, sys\n"
        "atexit.register(lambda: print('@@MODULES@@' + json.dumps(sorted(sys.modules))))\n"
        f"{code}\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    marker = "@@MODULES@@"
    assert marker in result.stdout, f"exit {result.returncode}:\n{result.stdout}{result.stderr}"
    return set(json.loads(result.stdout.rsplit(marker, 1)[1].strip()))


def top_level(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def test_every_domain_and_service_module_is_found() -> None:
    found = modules_of("models") + modules_of("sessions")
    for expected in ("models.quote", "models.attribution", "sessions.store", "sessions.atomic"):
        assert expected in found


@pytest.mark.parametrize("package", ["models", "sessions"])
def test_importing_imports_nothing_heavy(package: str) -> None:
    modules = modules_of(package)
    loaded = loaded_after("\n".join(f"import {name}" for name in modules))
    assert set(modules) <= loaded
    assert top_level(loaded).isdisjoint(HEAVY), sorted(top_level(loaded) & set(HEAVY))


def test_domain_imports_only_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"models", "__future__"}
    offenders = []
    for path in sorted((ROOT / "models").rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            offenders += [
                f"{path.relative_to(ROOT)}:{node.lineno} {name}"
                for name in names
                if name.split(".")[0] not in allowed
            ]
    assert offenders == []


def test_domain_has_no_io_modules_loaded_beyond_the_stdlib() -> None:
    loaded = loaded_after("import models")
    baseline = loaded_after("pass")
    extra = top_level(loaded - baseline) - {"models"}
    assert extra <= set(sys.stdlib_module_names), sorted(extra - set(sys.stdlib_module_names))


def test_cli_help_does_not_load_the_model_or_audio() -> None:
    # The same path as ``python -m facilitate --help``, with sys.modules read at exit.
    loaded = loaded_after(
        "import runpy\n"
        "sys.argv = ['facilitate', '--help']\n"
        "try:\n"
        "    runpy.run_module('facilitate', run_name='__main__', alter_sys=True)\n"
        "except SystemExit as stop:\n"
        "    assert stop.code in (0, None), stop.code\n"
    )
    assert "facilitate.__main__" in loaded or "facilitate" in loaded
    assert top_level(loaded).isdisjoint(HEAVY_FOR_HELP), sorted(
        top_level(loaded) & set(HEAVY_FOR_HELP)
    )


def test_cli_help_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "facilitate", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout
