"""Generative engines: abstractive summaries from a seq2seq model, summaries and answers from a chat model.

Whatever a model writes goes through the faithfulness guard before anyone sees it; when too little survives,
or the model cannot be loaded or run, the reply is the extractive one, with a note that says so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from bot.answer import Answer, Citation
from bot.engines.base import Indexed, key_point_count
from bot.engines.extractive import ExtractiveEngine
from bot.engines.guard import Guard
from bot.engines.writers import ChatModel, Writer, chunks, local_chat, tokens
from bot.models.answer_reader import shipped_reader
from bot.models.embedder import Embedder
from bot.models.local import ModelUnavailable
from bot.models.prompts import load_prompt
from bot.settings import Settings
from bot.summary import Summary

__all__ = ["ChatEngine", "Seq2SeqEngine"]

log = logging.getLogger(__name__)

_MIN_KEPT = 2  # fewer guarded sentences than this and the extractive summary is shown instead


def _summary_from(engine: _Generative, text: str, indexed: Indexed, length: str,
                  notes: tuple[str, ...]) -> Summary:
    """Guard the model's text; fall back to the extractive summary when too little of it is supported."""
    result = engine.guard.check(text, indexed)
    extractive = engine.extractive.summarize(indexed, length)
    if len(result.kept) < min(_MIN_KEPT, len(indexed.editorial.sentences)):
        note = (f"Too little of what {engine.model} wrote could be traced to the editorial "
                f"({len(result.kept)} of {len(result.kept) + len(result.dropped)} sentences), so this is the "
                "extractive summary.")
        return replace(extractive, notes=(*notes, note), guard=result.to_json())
    wanted = key_point_count(len(indexed.editorial.sentences), length)
    return Summary(editorial=indexed.editorial, tldr=result.kept[0], key_points=result.kept[1:1 + wanted],
                   calls_to_action=extractive.calls_to_action, engine=engine.name, model=engine.model, length=length,
                   notes=notes, guard=result.to_json())


def _blurb_from(engine: ChatEngine, text: str, indexed: Indexed, notes: tuple[str, ...]) -> Summary:
    """A digest item: the model's guarded one-line blurb as the TL;DR, the extractive points under it."""
    result = engine.guard.check(text, indexed)
    extractive = engine.extractive.summarize(indexed, "short")
    if not result.kept:
        note = f"Nothing {engine.model} wrote could be traced to the editorial, so this is the extractive summary."
        return replace(extractive, notes=(*notes, note), guard=result.to_json())
    return replace(extractive, tldr=result.kept[0], engine=engine.name, model=engine.model, notes=notes,
                   guard=result.to_json())


def _fallback(summary: Summary, reason: str) -> Summary:
    return replace(summary, notes=(*summary.notes, f"{reason} This is the extractive summary."))


class _Generative:
    """What the generative engines share: the extractive engine they fall back on (and quote answers with), and the
    guard. A subclass gives `model` and `_load`."""

    name: str

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.extractive = ExtractiveEngine(embedder, shipped_reader(settings))
        self.guard = Guard(embedder)

    @property
    def model(self) -> str:
        raise NotImplementedError

    def _load(self) -> None:
        raise NotImplementedError

    def key_sentences(self, indexed: Indexed, count: int) -> list[int]:
        return self.extractive.key_sentences(indexed, count)

    def warm_up(self) -> None:
        """Load the sentence model and the generative model; one that cannot load is logged, and the engine falls
        back to extractive summaries with a note, as it would on the first request."""
        self.extractive.warm_up()
        try:
            self._load()
        except ModelUnavailable as error:
            log.warning("%s", error)


class Seq2SeqEngine(_Generative):
    """Any AutoModelForSeq2SeqLM (BART, PEGASUS, T5) by hub id or folder: abstractive, then guarded.

    Example:
        engine = Seq2SeqEngine(Settings(engine="seq2seq", model="sshleifer/distilbart-cnn-12-6"), embedder)
    """

    name = "seq2seq"

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        super().__init__(settings, embedder)
        # the extractive engine's version too: its calls to action and fallbacks are in every summary
        self.version = f"seq2seq-v1/{self.extractive.version}"
        self.writer = Writer(settings, "seq2seq")
        self.local = self.writer.local

    @property
    def model(self) -> str:
        return self.local.name

    def _load(self) -> None:
        self.local.get()

    def summarize(self, indexed: Indexed, length: str) -> Summary:
        try:
            tokenizer, model = self.local.get()
            prefix = "summarize: " if model.config.model_type == "t5" else ""
            window = self.writer.window(tokenizer, model, reserve=len(prefix))
            parts = chunks(indexed.editorial.sentences, lambda text: tokens(tokenizer, text), window)
            drafts = [self._write(tokenizer, model, prefix + part, window) for part in parts]
            text = drafts[0]
            if len(drafts) > 1:
                text = self._write(tokenizer, model, prefix + " ".join(drafts), window)
        except ModelUnavailable as error:
            return _fallback(self.extractive.summarize(indexed, length), str(error))
        notes = (f"Written in {len(parts)} parts and combined.",) if len(parts) > 1 else ()
        return _summary_from(self, text, indexed, length, notes)

    def _write(self, tokenizer: Any, model: Any, text: str, window: int) -> str:
        inputs = tokenizer(text, return_tensors="pt", truncation=True, max_length=window)
        return self.writer.generate(tokenizer, model, inputs)

    def answer(self, question: str, library: Sequence[Indexed], abstain_below: float, across: bool) -> Answer:
        """Summarisation models do not answer questions: answers quote the editorial, as the extractive engine does."""
        return self.extractive.answer(question, library, abstain_below, across)


class ChatEngine(_Generative):
    """Summaries and answers written by a chat model from the `prompts/` templates, then guarded.

    Example:
        engine = ChatEngine(Settings(engine="chat", model="path/to/SmolLM2-135M-Instruct.gguf"), embedder)
    """

    name = "chat"

    def __init__(self, settings: Settings, embedder: Embedder, chat: ChatModel | None = None) -> None:
        super().__init__(settings, embedder)
        self.chat = chat or local_chat(settings)
        self.prompts = {name: load_prompt(name) for name in ("summary", "answer", "digest")}
        self.version = f"{self.name}-v1/" + "/".join([*(p.version for p in self.prompts.values()),
                                                      self.extractive.version])

    @property
    def model(self) -> str:
        return self.chat.name

    def _load(self) -> None:
        self.chat.load()

    def summarize(self, indexed: Indexed, length: str) -> Summary:
        """Medium and long: the model writes the points. Short (what digests use): the model writes a one-line
        blurb from the digest prompt for the TL;DR, and the points are the extractive ones."""
        count = key_point_count(len(indexed.editorial.sentences), length) + 1
        try:
            if length == "short":
                text, parts = self._write(indexed, "digest")
            else:
                text, parts = self._write(indexed, "summary", count=count)
        except ModelUnavailable as error:
            return _fallback(self.extractive.summarize(indexed, length), str(error))
        notes = (f"Written in {parts} parts and combined.",) if parts > 1 else ()
        if length == "short":
            return _blurb_from(self, text, indexed, notes)
        return _summary_from(self, text, indexed, length, notes)

    def _write(self, indexed: Indexed, prompt: str, **values: object) -> tuple[str, int]:
        """The model's text for the editorial, written chunk by chunk when it is longer than the model's window
        (map-reduce: a draft of each chunk, then the drafts summarised)."""
        template = self.prompts[prompt]
        room = self.chat.room(template.render(editorial="", **values))
        parts = chunks(indexed.editorial.sentences, self.chat.size, room)
        drafts = [self.chat.reply(template.render(editorial=part, **values)) for part in parts]
        if len(drafts) == 1:
            return drafts[0], 1
        return self.chat.reply(template.render(editorial="\n".join(drafts), **values)), len(parts)

    def answer(self, question: str, library: Sequence[Indexed], abstain_below: float, across: bool) -> Answer:
        """The extractive answer picks the sentences; the model phrases them; the guard keeps what they support."""
        quoted = self.extractive.answer(question, library, abstain_below, across)
        if quoted.abstained or quoted.editorial is None:
            return replace(quoted, engine=self.name, model=self.model)
        owner = next(item for item in library if item.editorial is quoted.editorial)
        excerpts = "\n".join(f"[{c.sentence}] {c.text}" for c in quoted.citations)
        try:
            text = self.chat.reply(self.prompts["answer"].render(question=question, excerpts=excerpts))
        except ModelUnavailable as error:
            return replace(quoted, notes=(f"{error} The answer quotes the editorial.",))
        result = self.guard.check(text, owner)
        if not result.kept:
            return quoted
        citations = tuple(Citation(sentence=p.sentence, text=owner.editorial.sentence(p.sentence),
                                   editorial=owner.editorial) for p in result.kept)
        return replace(quoted, answer=" ".join(p.text for p in result.kept), citations=citations, lead=0,
                       engine=self.name, model=self.model)


