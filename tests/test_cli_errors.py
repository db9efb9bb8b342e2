"""How the command line fails: real processes, a real workspace, the real log.

Bad input (the project's own errors) is one line and exit 2; a full disk is
one line and exit 1; a bug is one line that points at the workspace log, which
holds the traceback, and exit 1. A bug is planted by patching one function in
the child process before the command runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from facilitate.failures import log_path
from sessions.locations import workspace_root


def run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``facilitate ARGS`` in a fresh process after ``code`` (a patch) has run."""
    script = f"{code}\nimport facilitate.__main__ as cli\ncli.main()\n"
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )


def plant(raise_: str) -> str:
    """A patch that makes listing the workspace raise ``raise_``."""
    return (
        "import errno\n"
        "import sessions.store as store\n"
        "def broken(self):\n"
        f"    raise {raise_}\n"
        "store.Workspace.readable = broken\n"
    )


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_a_bug_in_a_command_is_one_line_exit_1_and_its_traceback_is_logged() -> None:
    result = run(plant("ZeroDivisionError('division by zero')"), "sessions")
    log = log_path(workspace_root())
    assert result.returncode == 1
    assert one_line(result.stderr) == f"facilitate: unexpected error; details are in {log}"
    text = log.read_text()
    assert "Traceback" in text and "ZeroDivisionError: division by zero" in text
    assert "in broken" in text


def test_a_value_error_from_a_bug_is_not_called_bad_input() -> None:
    result = run(plant("ValueError('invalid literal for int()')"), "sessions")
    assert result.returncode == 1
    assert "unexpected error" in one_line(result.stderr)
    assert "invalid literal" not in result.stderr
    assert "ValueError" in log_path(workspace_root()).read_text()


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (
            "OSError(errno.ENOSPC, 'No space left on device', '/x/store.json')",
            "facilitate: The disk is full: free some space and try again.",
        ),
        (
            "PermissionError(errno.EACCES, 'Permission denied', '/x/store.json')",
            "facilitate: Permission denied: /x/store.json. "
            "Check who may write there, then try again.",
        ),
    ],
)
def test_a_disk_or_permission_problem_is_one_plain_line_and_exit_1(error: str, line: str) -> None:
    result = run(plant(error), "sessions")
    assert result.returncode == 1
    assert one_line(result.stderr) == line


def test_the_projects_own_error_is_bad_input_exit_2() -> None:
    result = run(plant("__import__('sessions.errors').errors.NotFound('No such session: x1.')"),
                 "sessions")
    assert result.returncode == 2
    assert one_line(result.stderr) == "facilitate: No such session: x1."


def test_a_real_unknown_consultation_is_bad_input(tmp_path: Path) -> None:
    result = run("", "export", "--consultation", "nosuchid", "--to", str(tmp_path / "out"))
    assert result.returncode == 2, result.stderr
    assert one_line(result.stderr).startswith("facilitate: ")
    assert not (tmp_path / "out").exists()


def test_a_usage_error_is_still_clicks_exit_2() -> None:
    result = run("", "export")
    assert result.returncode == 2
    assert "Missing option '--to'" in result.stderr


def test_the_app_closed_by_a_bug_exits_non_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    import facilitate.__main__ as cli

    class Crashed:
        """What make_app returns when the app's run ends in a crash."""

        return_code = 1

        def run(self) -> None:
            """The app has crashed and printed its one line."""

    monkeypatch.setattr(cli, "make_app", lambda *_args: Crashed())
    with pytest.raises(SystemExit) as exited:
        cli.run_app(None)
    assert exited.value.code == 1
