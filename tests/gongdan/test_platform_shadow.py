"""``platform/`` is a source root, never a package: the standard library's ``platform`` wins."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

PROBE = (
    "import platform, sys; "
    "print(platform.system()); "
    "print(platform.__file__); "
    "import gongdan; print(gongdan.__file__)"
)


def _probe(cwd: Path) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def _stdlib_platform() -> Path:
    return Path(sysconfig.get_paths()["stdlib"]).resolve() / "platform.py"


def test_platform_folder_has_no_init_file() -> None:
    assert (REPO_ROOT / "platform" / "gongdan" / "__init__.py").exists()
    assert not (REPO_ROOT / "platform" / "__init__.py").exists()


def test_stdlib_platform_wins_from_the_repository_root() -> None:
    system, platform_file, _ = _probe(REPO_ROOT)
    assert system  # e.g. "Linux"
    assert Path(platform_file).resolve() == _stdlib_platform()


def test_stdlib_platform_wins_elsewhere_with_the_installed_package(tmp_path: Path) -> None:
    system, platform_file, gongdan_file = _probe(tmp_path)
    assert system
    assert Path(platform_file).resolve() == _stdlib_platform()
    assert Path(gongdan_file).resolve() == REPO_ROOT / "platform" / "gongdan" / "__init__.py"
