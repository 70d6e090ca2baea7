"""llama.cpp is native code: it runs in a child process that newsdesk supervises, so a crash in it (a kernel a compiler
got wrong for the CPU, a corrupt file) costs one reply its model, never the bot. And the llama.cpp that `make` builds
carries no AMX kernel, which Debian 12's GCC 12 miscompiles (a crash on Intel Sapphire Rapids and later)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

from bot.engines.gguf import LlamaChat
from bot.models.embedder import Embedder
from bot.summary import Summary

from .test_generative import generative_desk, seed_on

ROOT = Path(__file__).resolve().parent.parent


def test_a_crash_of_llama_cpp_mid_summary_costs_that_summary_its_model_and_nothing_else(
        tmp_path: Path, embedder: Embedder, smollm2: tuple[Path, Path]) -> None:
    """The child is killed with SIGSEGV while it writes: the summary comes back extractive with a note saying what
    happened, the bot's process is untouched, and the next request starts a new child that writes again."""
    gguf, cache = smollm2
    desk = generative_desk(tmp_path, embedder, "chat", str(gguf), max_new_tokens=80, model_cache=cache)
    chat = desk.engine.chat  # type: ignore[attr-defined]
    assert isinstance(chat, LlamaChat)
    seed = seed_on(desk)
    results: list[Summary] = []
    writer = threading.Thread(target=lambda: results.append(desk.engine.summarize(desk.index(seed), "medium")))
    writer.start()
    deadline = time.monotonic() + 120
    while not chat.writing and writer.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    crashed = chat.pid
    assert chat.writing and crashed is not None and crashed != os.getpid()
    os.kill(crashed, signal.SIGSEGV)
    writer.join(timeout=120)
    (summary,) = results
    assert summary.engine == "extractive" and summary.tldr.text in seed.sentences
    assert any("stopped (signal SIGSEGV) while writing" in note and "extractive summary" in note
               for note in summary.notes), summary.notes

    again = desk.engine.summarize(desk.index(seed), "medium")
    assert chat.pid is not None and chat.pid != crashed
    assert not any("stopped" in note for note in again.notes)
    assert again.guard is not None  # the new child wrote, and the guard read what it wrote
    answer = desk.ask("Who ended the siege?", seed)
    assert not answer.abstained and answer.citations[0].sentence == 20


def test_a_child_that_dies_between_requests_is_replaced_without_a_word_to_the_user(
        tmp_path: Path, embedder: Embedder, smollm2: tuple[Path, Path]) -> None:
    gguf, cache = smollm2
    desk = generative_desk(tmp_path, embedder, "chat", str(gguf), max_new_tokens=20, model_cache=cache)
    chat = desk.engine.chat  # type: ignore[attr-defined]
    chat.load()
    first = chat.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while chat.pid == first and time.monotonic() < deadline:  # gone once the kernel has ended it
        time.sleep(0.01)
    assert chat.reply("Say hello.")
    assert chat.pid not in (None, first)
    chat.close()
    assert chat.pid is None


def _makefile_flags() -> list[str]:
    line = next(line for line in (ROOT / "Makefile").read_text().splitlines() if line.startswith("LLAMA_CMAKE"))
    return sorted(set(re.findall(r"-mno-[\w-]+", line)))


def test_make_builds_llama_cpp_without_the_amx_kernel_on_any_cpu() -> None:
    """ggml compiles its AMX matrix kernel only where the compiler defines __AMX_INT8__ (with -march=native on an AMX
    CPU). Asked for a Sapphire Rapids, GCC defines it; with the Makefile's flags it does not, so no AMX host builds
    the kernel. Checked with this machine's compiler whatever CPU it runs on."""
    flags = _makefile_flags()
    assert "-mno-amx-int8" in flags
    compiler = shutil.which("gcc") or shutil.which("cc")
    assert compiler is not None

    def defines(*extra: str) -> str:
        return subprocess.run([compiler, "-march=sapphirerapids", *extra, "-dM", "-E", "-x", "c", "-"], input="",
                              capture_output=True, text=True, check=True).stdout

    assert "__AMX_INT8__" in defines()  # the kernel would be built on an AMX host without the flags
    assert "__AMX_INT8__" not in defines(*flags)
    assert "__AVX512F__" in defines(*flags)  # every other native feature stays


def test_the_installed_llama_cpp_holds_no_amx_tile_instruction() -> None:
    """What an AMX host would run: the llama.cpp libraries `make` installed contain no AMX tile instruction (on such a
    host a build without the Makefile's flags contains them, and crashes)."""
    import importlib.util

    spec = importlib.util.find_spec("llama_cpp")
    assert spec is not None and spec.submodule_search_locations, "make test installs llama-cpp-python"
    libraries = sorted(Path(next(iter(spec.submodule_search_locations))).glob("lib/*.so*"))
    assert any("ggml" in library.name for library in libraries), libraries
    objdump = shutil.which("objdump")
    assert objdump is not None
    for library in libraries:
        code = subprocess.run([objdump, "-d", "--no-show-raw-insn", str(library)], capture_output=True, text=True,
                              check=True).stdout
        assert len(code) > 1000
        assert not re.search(r"\s(ldtilecfg|tileloadd|tileloaddt1|tdpb[su][su]d|tdpbf16ps|tilestored)\s", code), \
            library.name
