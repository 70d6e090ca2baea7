"""The core: one `Newsdesk` that reads, stores, summarises and answers, whoever is asking."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from bot.answer import Answer
from bot.engines import Engine, Indexed
from bot.errors import BadInput
from bot.library.index import LibraryIndex
from bot.library.ledger import Ledger
from bot.library.store import Store
from bot.messages import Reply, Request
from bot.models.embedder import Embedder
from bot.newsroom.digest import DigestDesk
from bot.reading.cleaning import plain_question
from bot.reading.editorial import Editorial
from bot.reading.ingest import Reader
from bot.settings import Settings
from bot.summary import LENGTHS, Summary

__all__ = ["Filed", "Newsdesk"]

log = logging.getLogger(__name__)

_MAX_QUESTION = 1_000  # a question, not a pasted article: longer ones are a paste into the wrong command


@dataclass(frozen=True)
class Filed:
    """What `Newsdesk.file` did with an editorial: the stored one, and whether the text that came in (read from a
    paste, a file or a link) was already in the library, perhaps under another title: the stored title stands."""

    editorial: Editorial
    repeated: bool


Router = Callable[["Newsdesk", Request], list[Reply]]  # parses a chat command and answers it (commands.dispatch)


class Newsdesk:
    """Everything newsdesk does, behind one object that adapters and the CLI share.

    Built by `bot.app.build_newsdesk(settings)`, which hands it its parts and the router of chat commands
    (`bot.newsroom.commands.dispatch`); adapters call `handle(request)`.

    Example:
        desk = build_newsdesk(load_settings())
        editorial = desk.add(desk.reader.from_source("seeds/dawn-2023-02-19-security-stocktaking.txt"))
        desk.ask("Who ended the siege?", editorial).citations[0].sentence   ->  20
    """

    def __init__(self, *, settings: Settings, store: Store, reader: Reader, embedder: Embedder,
                 engine: Engine, route: Router) -> None:
        self.settings = settings
        self.route = route
        self.store = store
        self.ledger = Ledger(store, settings.worker, timedelta(minutes=settings.digest_lease_minutes))
        self.reader = reader
        self.embedder = embedder
        self.engine = engine
        self.library = LibraryIndex(store, self._sentence_vectors)
        # built once, so a channel's failed tries (its backoff) outlive one round
        self.digests = DigestDesk(store, self.ledger, self.summarize, settings)

    def add(self, editorial: Editorial) -> Editorial:
        """Store an editorial (once, however often it arrives) with its sentence vectors, in one transaction; return
        the stored one."""
        return self.file(editorial).editorial

    def file(self, editorial: Editorial) -> Filed:
        """`add`, saying whether the text was already in the library (a repeat keeps its stored title and date),
        for the replies that tell the user so.

        Example:
            filed = desk.file(desk.reader.from_text(pasted))
            filed.repeated, filed.editorial.title    ->  True, "Security stocktaking" (whatever the paste's title)
        """
        known = self.store.get(editorial.id)
        if known is not None and known.sha256 == editorial.sha256:
            self.index(known)
            return Filed(known, repeated=editorial.stored_at is None)  # not when it was named by its stored id
        vectors = self.embedder.encode(editorial.sentences)
        # Another worker storing the same text at this very moment counts as new here: the store keeps it once.
        return Filed(self.store.save(editorial, vectors=(self.embedder.name, vectors)), repeated=False)

    def index(self, editorial: Editorial) -> Indexed:
        """The editorial with its sentence vectors, computed once and then read from the store."""
        return Indexed(editorial, self._sentence_vectors(editorial.id, editorial.sentences))

    def _sentence_vectors(self, editorial_id: str, sentences: Sequence[str]) -> np.ndarray:
        vectors = self.store.vectors(editorial_id, self.embedder.name)
        if vectors is None or len(vectors) != len(sentences):
            vectors = self.embedder.encode(sentences)
            self.store.save_vectors(editorial_id, self.embedder.name, vectors)
        return vectors

    def summarize(self, editorial: Editorial, length: str = "medium", platform: str | None = None) -> Summary:
        """Summarise a stored editorial, from the cache when the same engine already did."""
        if length not in LENGTHS:
            raise BadInput(f"The length must be one of {', '.join(LENGTHS)}, not {length!r}.")
        key = f"{self.engine.version}|{self.engine.model}|{length}"
        cached = self.store.cached_summary(editorial.sha256, self.engine.name, key)
        if cached is not None:
            summary = Summary.from_json(cached, editorial)
        else:
            summary = self.engine.summarize(self.index(editorial), length)
            if summary.engine == self.engine.name or summary.guard is not None:
                # Kept, unless the model could not write at all (down, slow, busy): it may be back next time.
                self.store.cache_summary(editorial.sha256, self.engine.name, key, summary.to_json())
        self.store.audit(kind="summary", engine=summary.engine, model=summary.model, version=self.engine.version,
                         sha256=editorial.sha256, platform=platform)
        return summary

    def ask(self, question: str, editorial: Editorial | None, platform: str | None = None) -> Answer:
        """Answer from one editorial, or from the whole library when `editorial` is None."""
        question = plain_question(question)
        if not question:
            raise BadInput("Ask a question after /ask, for example: /ask Who ended the siege?")
        if len(question) > _MAX_QUESTION:
            raise BadInput(f"That question is {len(question):,} characters long; ask in at most {_MAX_QUESTION:,}.")
        if editorial is not None:
            library = [self.index(editorial)]
        else:
            chosen = self.library.candidates(question, self.embedder.encode([question])[0])
            library = [self.index(e) for e in map(self.store.get, chosen) if e is not None]
            if not library:
                raise BadInput("The library is empty: add an editorial with /summarize or `newsdesk add` first.")
        answer = self.engine.answer(question, library, self.settings.abstain_below, across=editorial is None)
        self.store.audit(kind="answer", engine=answer.engine, model=answer.model, version=self.engine.version,
                         sha256=editorial.sha256 if editorial else None, platform=platform, question=question,
                         abstained=answer.abstained)
        return answer

    def warm_up(self) -> None:
        """Load the models now rather than on the first request: `serve` calls this before it says it is ready.

        Example:
            desk.warm_up()    # ~3 s for the embedded model; a generative model takes longer
        """
        self.engine.warm_up()
        self.library.refresh()

    def find(self, editorial_id: str) -> Editorial | None:
        """A stored editorial by id or unique id prefix."""
        return self.store.get(editorial_id.strip())

    def handle(self, request: Request) -> list[Reply]:
        """Answer one chat command; a user's mistake comes back as a reply, never as an exception."""
        return self.route(self, request)
