"""A wheel built from the repository carries everything newsdesk reads at run time: prompts, seeds, the Slack
manifest. Installed with no checkout around, the console opens on the seed and the chat engine's prompts load."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from bot.models.answer_reader import AnswerReader

ROOT = Path(__file__).resolve().parent.parent


def test_a_wheel_installed_outside_the_checkout_has_its_prompts_seeds_and_manifest(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(tmp_path / "dist"), str(ROOT)], check=True, capture_output=True, timeout=300,
                   cwd=tmp_path)
    [wheel] = (tmp_path / "dist").glob("newsdesk-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"bot/prompt_templates/summary.txt", "bot/prompt_templates/answer.txt", "bot/prompt_templates/digest.txt",
            "bot/seed_editorials/dawn-2023-02-19-security-stocktaking.txt",
            "adapters/slack/manifest.yml", "bot/weights/reader.safetensors", "bot/weights/README.md"} <= names
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    environment = {**os.environ, "PYTHONPATH": str(site), "NEWSDESK_DB": str(tmp_path / "wheel.db")}
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DISCORD_TOKEN", "NEWSDESK_LOG_LEVEL"):
        environment.pop(name, None)
    check = (f"import bot, bot.models.prompts as p; assert bot.__file__.startswith({str(site)!r}), bot.__file__; "
             "print(p.load_prompt('summary').version, p.load_prompt('answer').version)")
    loaded = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=120,
                            cwd=elsewhere, env=environment)
    assert loaded.returncode == 0, loaded.stderr
    console = subprocess.run([sys.executable, "-m", "bot", "chat"], input="/ask Who ended the siege?\nquit\n",
                             capture_output=True, text=True, timeout=180, cwd=elsewhere, env=environment)
    assert console.returncode == 0, console.stderr[-500:]
    assert "Loaded the seed editorial “Security stocktaking”" in console.stdout
    assert "Sindh police officers" in console.stdout and AnswerReader.name in console.stdout  # the shipped reader
