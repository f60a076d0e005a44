"""The apps depend one way: `lint-imports` holds pyproject's layered contract in the suite too."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own venv's console script, fixed arguments
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )


def test_the_layer_contract_is_kept():
    result = _lint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_import_against_the_layers_breaks_the_contract(tmp_path):
    # The same checker with core put above procurement must fail: procurement imports core.
    config = tmp_path / "reversed.toml"
    config.write_text(
        '[tool.importlinter]\nroot_packages = ["core", "procurement"]\n\n'
        '[[tool.importlinter.contracts]]\nname = "core above procurement"\ntype = "layers"\n'
        'layers = ["core", "procurement"]\n',
        encoding="utf-8",
    )
    result = _lint(str(config))
    assert result.returncode != 0
    assert "procurement is not allowed to import core" in result.stdout
