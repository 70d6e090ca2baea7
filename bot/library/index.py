"""The library index: which stored editorials a question asked of the whole library is read against.

`ask` with no editorial reads every sentence of a few candidate editorials; this picks them from tens of thousands
in a few milliseconds and bounded memory. Each editorial is one unit vector (the mean of its sentence vectors; 1.5 kB
each, 30 MB for 20,000) and a document in a BM25 index of the library's words (a sparse matrix). On the development
library (SQuAD 2.0 dev contexts among 972 news articles and editorials), the right editorial is among the 20
candidates for 99.7% of answerable questions, against 98.2% for the best sentence's cosine alone (`bench/library.py`).

Each worker builds its index from the store on first use and adds what other workers stored as it finds it: new
editorials are candidates at once (vector search) and enter the BM25 index when it is rebuilt off the request path.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

import bm25s
import numpy as np
import Stemmer

from bot.allocator import give_back_freed
from bot.library.store import Store

__all__ = ["LibraryIndex"]

log = logging.getLogger(__name__)

CANDIDATES = 20  # editorials read in full per question
_LEXICAL = 0.4  # BM25 (as a share of the best) beside the cosine: 0.3 and 0.5 measured alike (bench/library.py)
_STALE = 32  # editorials not yet in the BM25 index before it is rebuilt
_BATCH = 500  # editorials read from the store at a time, so other requests get the store between batches

Vectors = Callable[[str, Sequence[str]], np.ndarray]  # an editorial's sentence vectors, from the store or computed


class LibraryIndex:
    """Candidate editorials for a question across the library.

    Example:
        index = LibraryIndex(store, vectors=lambda id, sentences: desk.index(...).vectors)
        index.candidates("Who ended the siege?", question_vector)   # up to 20 editorial ids, best first
    """

    def __init__(self, store: Store, vectors: Vectors) -> None:
        self.store = store
        self._vectors = vectors
        self._ids: list[str] = []
        self._known: set[str] = set()
        self._centroids = np.zeros((0, 0), dtype=np.float32)  # rows beyond len(self._ids) are room to grow
        self._lexical: tuple[bm25s.BM25, set[str], int] | None = None  # index, its vocabulary, editorials in it
        self._lock = threading.Lock()
        self._rebuilding = False
        self._stemmer = Stemmer.Stemmer("english")

    def __len__(self) -> int:
        return len(self._ids)

    def candidates(self, question: str, vector: np.ndarray, limit: int = CANDIDATES) -> list[str]:
        """The ids of the `limit` editorials most likely to answer `question` (with its sentence vector `vector`)."""
        self.refresh()
        with self._lock:
            ids, centroids, lexical = self._ids, self._centroids[: len(self._ids)], self._lexical
        if not ids:
            return []
        ranking = centroids @ vector
        fresh: list[int] = []
        if lexical is not None:  # without it (it could not be built) the vectors alone choose
            index, vocabulary, covered = lexical
            words = bm25s.tokenize([question], stopwords="en", stemmer=self._stemmer, show_progress=False,
                                   return_ids=False)[0]
            known = [word for word in words if word in vocabulary]
            if known:
                scores = np.asarray(index.get_scores(known), dtype=np.float32)
                ranking[:covered] += _LEXICAL * scores / max(float(scores.max()), 1e-9)
            fresh = list(range(covered, len(ids)))  # not in the BM25 index yet: read them all
        order = [int(i) for i in np.argsort(-ranking, kind="stable")[:limit]]
        chosen = order + [i for i in fresh if i not in order]
        return [ids[i] for i in chosen]

    def settled(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a word-index rebuild in progress; True when none is running."""
        deadline = time.monotonic() + timeout
        while self._rebuilding and time.monotonic() < deadline:
            time.sleep(0.05)
        return not self._rebuilding

    def refresh(self) -> None:
        """Add the editorials stored (by any worker) since the last look: vectors now, words in the background."""
        if self.store.count() == len(self._ids):
            return  # editorials are never deleted, so the same count means nothing new
        stored = [row["id"] for row in self.store.read("SELECT id FROM editorials ORDER BY stored_at, id")]
        new = [editorial_id for editorial_id in stored if editorial_id not in self._known]
        for start in range(0, len(new), _BATCH):
            batch = new[start:start + _BATCH]
            rows = [self._centroid(editorial_id, sentences) for editorial_id, sentences in self._texts(batch)]
            with self._lock:
                self._grow(len(self._ids) + len(rows), rows[0][1].shape[0] if rows else 0)
                for editorial_id, centroid in rows:
                    if editorial_id not in self._known:
                        self._centroids[len(self._ids)] = centroid
                        self._ids.append(editorial_id)
                        self._known.add(editorial_id)
        covered = self._lexical[2] if self._lexical else 0
        if len(self._ids) - covered > _STALE or (self._lexical is None and self._ids):
            self._rebuild(background=self._lexical is not None)

    def _rebuild(self, background: bool) -> None:
        """A new BM25 index over every editorial indexed so far; built off the request path once one exists."""
        with self._lock:
            if self._rebuilding:
                return
            self._rebuilding = True
            ids = list(self._ids)
        if background:
            threading.Thread(target=self._build, args=(ids,), name="library-index", daemon=True).start()
        else:
            self._build(ids)

    def _build(self, ids: list[str]) -> None:
        try:
            started = time.monotonic()
            texts: dict[str, str] = {}
            for start in range(0, len(ids), _BATCH):
                texts.update((i, " ".join(s)) for i, s in self._texts(ids[start:start + _BATCH]))
            corpus = bm25s.tokenize([texts.get(i, "") for i in ids], stopwords="en", stemmer=self._stemmer,
                                    show_progress=False)
            index = bm25s.BM25()
            index.index(corpus, show_progress=False)
            with self._lock:
                self._lexical = (index, set(corpus.vocab), len(ids))
            del texts, corpus
            give_back_freed()  # the tokenised texts (~200 MB at 20,000 editorials): resident 594 -> 390 MB
            log.info("library index: %d editorials in %.1f s", len(ids), time.monotonic() - started)
        except Exception:
            log.exception("the library's word index could not be rebuilt; questions use the vectors alone")
        finally:
            with self._lock:
                self._rebuilding = False

    def _texts(self, ids: list[str]) -> list[tuple[str, list[str]]]:
        """Each editorial's sentences, in order, for a batch of ids."""
        marks = ", ".join("?" for _ in ids)
        rows = self.store.read(f"SELECT editorial_id, text FROM sentences WHERE editorial_id IN ({marks}) "
                               "ORDER BY editorial_id, number", ids)
        sentences: dict[str, list[str]] = {i: [] for i in ids}
        for row in rows:
            sentences[row["editorial_id"]].append(row["text"])
        return [(i, sentences[i]) for i in ids if sentences[i]]

    def _centroid(self, editorial_id: str, sentences: Sequence[str]) -> tuple[str, np.ndarray]:
        mean = self._vectors(editorial_id, sentences).mean(axis=0)
        return editorial_id, mean / max(float(np.linalg.norm(mean)), 1e-9)

    def _grow(self, size: int, dimensions: int) -> None:
        if size > len(self._centroids):  # doubling: adding one editorial at a time stays cheap
            grown = np.zeros((max(size, 2 * len(self._centroids), 64), dimensions), dtype=np.float32)
            if self._ids:
                grown[: len(self._ids)] = self._centroids[: len(self._ids)]
            self._centroids = grown

