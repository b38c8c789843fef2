"""The house rules of the test suite's own code: `tests/` and `bench/` share only
`testkit/` (neither imports the other, and testkit imports neither); no test module imports
from another test module or from a conftest (shared helpers live in tests/support/); and no
test reaches into a fake's private attributes (faults go through `fake.faults`)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAKE_NAMES = ("slack", "zendesk", "github", "fake")


def sources(folder: str) -> Iterator[Path]:
    yield from sorted((ROOT / folder).rglob("*.py"))


def imported(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [("tests", ("bench",)), ("bench", ("tests",)), ("testkit", ("tests", "bench"))],
)
def test_tests_and_bench_share_only_testkit(folder: str, forbidden: tuple[str, ...]) -> None:
    found = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in sources(folder)
        for module in imported(path)
        if module.split(".")[0] in forbidden
    ]
    assert found == []


def test_no_test_module_imports_another_test_module() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in sources("tests")
        for module in imported(path)
        if module.startswith("tests.")
        and (module.rsplit(".", 1)[-1].startswith("test_") or module.endswith("conftest"))
    ]
    assert found == []


def private_fake_attributes(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
            continue
        if node.attr.startswith("__"):
            continue
        owner = ast.unparse(node.value)
        if owner.startswith(("rt.", "desk.rt.")):  # the desk's own adapters, not a fake
            continue
        if any(name in owner.rsplit(".", 1)[-1].lower() for name in FAKE_NAMES):
            yield f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}"


def test_no_test_touches_a_fakes_private_attributes() -> None:
    assert [hit for path in sources("tests") for hit in private_fake_attributes(path)] == []
