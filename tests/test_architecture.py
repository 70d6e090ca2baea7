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
