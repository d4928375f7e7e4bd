"""`make help` lists every routine target with one line, and the README shows that list."""

import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
ROUTINE = {
    "demo",
    "test",
    "test-fast",
    "lint",
    "typecheck",
    "bench",
    "fixtures",
    "shell",
    "worker",
    "clean",
}


def described_targets() -> dict[str, str]:
    makefile = (BASE_DIR / "Makefile").read_text()
    return dict(re.findall(r"(?m)^([a-z-]+):.*?## (.+)$", makefile))


def test_every_routine_target_has_a_help_line():
    described = described_targets()

    assert described.keys() >= ROUTINE, ROUTINE - described.keys()


def test_the_readme_shows_each_target_as_make_help_prints_it():
    readme = (BASE_DIR / "README.md").read_text()

    for target, line in described_targets().items():
        assert f"  make {target:<10} {line}" in readme, target


def test_lint_checks_formatting_and_ci_runs_lint_and_typecheck():
    makefile = (BASE_DIR / "Makefile").read_text()
    ci = (BASE_DIR / ".ci" / "run").read_text()

    lint = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "ruff check" in lint and "ruff format --check" in lint
    assert "make lint" in ci and "make typecheck" in ci
