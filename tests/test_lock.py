"""The committed lock is the only source of Python packages: it must agree with
pyproject.toml, or a fresh clone would install something nobody tested."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _uv() -> str:
    for candidate in (os.environ.get("COBROWSE_UV"), str(ROOT / ".venv-tools" / "bin" / "uv")):
        if candidate and Path(candidate).is_file():
            return candidate
    found = shutil.which("uv")
    if found is None:
        pytest.skip("uv not found: `make test` installs it to .venv-tools (or set COBROWSE_UV)")
    return found


def _check(project: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    return subprocess.run(
        [_uv(), "lock", "--check", "--offline", "--project", str(project)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_lock_agrees_with_pyproject() -> None:
    result = _check(ROOT)
    assert result.returncode == 0, result.stderr


def test_lock_check_catches_a_dependency_missing_from_the_lock(tmp_path: Path) -> None:
    """The check itself bites: a pyproject that asks for more than the lock holds fails."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    locked = '"prometheus-client>=0.20",'
    changed = pyproject.replace(locked, locked + '\n    "a-package-nobody-locked>=1",')
    assert changed != pyproject
    (tmp_path / "pyproject.toml").write_text(changed, encoding="utf-8")
    shutil.copy(ROOT / "uv.lock", tmp_path / "uv.lock")
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    result = _check(tmp_path)
    assert result.returncode != 0
    assert "a-package-nobody-locked" in result.stderr
