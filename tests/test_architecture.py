"""The shape STYLE.md asks for, checked: the core knows no platform, adapters know no other adapter."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_SDKS = {"slack_bolt", "slack_sdk", "discord"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "bot").rglob("*.py")), ids=lambda p: p.name)
def test_the_core_imports_no_platform_sdk(path: Path) -> None:
    assert not {name.split(".")[0] for name in imported_modules(path)} & PLATFORM_SDKS


def test_adapters_do_not_import_each_other() -> None:
    platforms = {p.stem if p.is_file() else p.name for p in (ROOT / "adapters").iterdir()
                 if p.name not in ("__init__.py", "__pycache__", "serve.py")}
    for path in (ROOT / "adapters").rglob("*.py"):
        if path.name == "serve.py":
            continue  # serve composes the adapters; that is its job
        own = path.relative_to(ROOT / "adapters").parts[0].removesuffix(".py")
        others = {f"adapters.{p}" for p in platforms if p != own}
        assert not {m for m in imported_modules(path) if any(m.startswith(o) for o in others)}, path


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = [p.name for p in (ROOT / "bot").rglob("*.py") if "os.environ" in p.read_text()]
    assert readers == ["settings.py"]


def test_every_setting_is_documented_in_env_example() -> None:
    example = (ROOT / ".env.example").read_text()
    source = (ROOT / "bot" / "settings.py").read_text()
    variables = {part.split('"')[1] for part in source.split("get(")[1:] if part.startswith('"')}
    assert variables and all(name in example for name in variables), variables - set(example.split())
    assert load_settings({}, ROOT / ".env.example").allow_private_urls is False


def test_modules_stay_short() -> None:
    long_modules = [str(p.relative_to(ROOT)) for folder in ("bot", "adapters") for p in (ROOT / folder).rglob("*.py")
                    if len(p.read_text().splitlines()) > 400]
    assert not long_modules


ROOMS = ("reading", "library", "models", "engines", "newsroom", "evaluation")


def _room(module: str) -> str:
    """The room a module of bot/ lives in (its package), or the module itself at the top of bot/."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 or (len(parts) == 2 and parts[1] in ROOMS) else module


def _imports_between_rooms() -> dict[str, set[str]]:
    """Every import from one room of bot/ to another (also inside functions and TYPE_CHECKING blocks)."""
    files = sorted((ROOT / "bot").rglob("*.py"))
    known = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__") for p in files}
    graph: dict[str, set[str]] = {}
    for path in files:
        me = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module
                           for a in node.names]
            for target in targets:
                while target and target not in known:
                    target = target.rpartition(".")[0]
                if target.startswith("bot.") and _room(target) != _room(me):
                    graph.setdefault(_room(me), set()).add(_room(target))
    return graph


def test_the_rooms_of_bot_import_one_way_only() -> None:
    """No circle among bot/'s rooms and top modules: what a room imports never imports it back, however far round."""
    graph = _imports_between_rooms()

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            room = todo.pop()
            if room == goal:
                return True
            if room not in seen:
                seen.add(room)
                todo.extend(graph.get(room, ()))
        return False

    assert {"bot.reading", "bot.newsroom", "bot.models"} <= set(graph) | {t for ts in graph.values() for t in ts}
    assert not [(a, b) for a, targets in graph.items() for b in targets if reaches(b, a)]


def test_the_top_of_bot_shows_its_rooms_and_at_most_twelve_modules() -> None:
    top = sorted(p.name for p in (ROOT / "bot").glob("*.py"))
    assert len(top) <= 12, top
    assert all((ROOT / "bot" / room / "__init__.py").is_file() for room in ROOMS)


def test_no_module_is_over_three_hundred_lines() -> None:
    long_modules = [str(p.relative_to(ROOT)) for folder in ("bot", "adapters") for p in (ROOT / folder).rglob("*.py")
                    if len(p.read_text().splitlines()) > 300]
    assert not long_modules
