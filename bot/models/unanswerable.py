"""Questions made unanswerable, for training the answer reader: SQuAD 1.1 questions changed the ways SQuAD 2.0's
writers changed theirs, so that the sentence that answered them no longer does (Rajpurkar et al., 2018, table 2).

- `swapped`: one name or number exchanged for another the paragraph mentions (entity swap);
- `turned`: an antonym swapped in or a negation added (antonym, negation);
- `contrary`: one word changed for its contrary from a wider table (Tuesday -> Wednesday, correct -> incorrect,
  two -> three), or a year or number shifted (1975 -> 1972);
- `replaced`: a name the answering sentence shares with the question changed for the most related name of the
  paragraph that the sentence does not use (a harder entity swap: Greek -> Cypriots);
- `exchanged`: two of the question's words that the sentence uses in that order exchanged ("farmlands turned into
  suburbs" -> "suburbs turned into farmlands": mutual exclusion, a changed relation);
- `inverted`: a name or number the question shares with the answering sentence changed for the answer itself ("Where
  does the Rhine emerge from?", answered "Lake Constance" -> "Where does Lake Constance emerge from?": the relation
  turned round);
- `affirmed`: a negation the question shares with the answering sentence taken out ("What is not always
  practical?" -> "What is always practical?");
- `unanswered`: not the question but the answering sentence changed: its answer taken out ("BBN provided the
  financing for Telenet." -> "BBN provided the financing."), so that it still shares every word of the question but
  no longer says what is asked.

Each takes a random.Random and returns the new question, or None when the question offers nothing to change.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

__all__ = ["COMMON", "WordVectors", "affirmed", "contrary", "exchanged", "inverted", "replaced", "swapped", "turned",
           "unanswered", "words"]

_WORD = re.compile(r"[a-z0-9]+")
_TOKEN = re.compile(r"[A-Za-z]+|\d+(?:st|nd|rd|th|s)?")
_NAME = re.compile(r"\b(?:[A-Z][a-z]+(?:\s[A-Z][a-z]+)*|\d[\d,.]*)\b")
COMMON = frozenset(re.findall(r"\w+", "the a an of in on at to for and or is was were are be by with as from "
                                      "that this which what who whom whose when where why how did does do it its "
                                      "his her their they he she"))
_PAIRS = ("first/last", "largest/smallest", "biggest/smallest", "highest/lowest", "most/least", "earliest/latest",
          "before/after", "increase/decrease", "increased/decreased", "north/south", "east/west",
          "northern/southern", "eastern/western", "older/younger", "oldest/youngest", "longest/shortest",
          "longer/shorter", "larger/smaller", "higher/lower", "more/fewer", "won/lost", "win/lose", "early/late",
          "began/ended", "start/end", "maximum/minimum", "best/worst", "top/bottom", "major/minor", "rise/fall",
          "inside/outside", "above/below", "public/private", "ancient/modern", "legal/illegal", "allowed/banned",
          "success/failure", "successful/unsuccessful", "support/oppose", "supported/opposed",
          "accepted/rejected", "strong/weak", "rich/poor")
_OPPOSITES = dict(pair for a, b in (p.split("/") for p in _PAIRS) for pair in ((a, b), (b, a)))
_MORE_PAIRS = (
    "can/cannot", "always/never", "often/rarely", "commonly/rarely", "with/without", "true/false",
    "correct/incorrect", "possible/impossible", "able/unable", "likely/unlikely", "known/unknown", "common/rare",
    "same/different", "similar/different", "positive/negative", "open/closed", "opened/closed", "rapid/slow",
    "fast/slow", "quickly/slowly", "faster/slower", "fastest/slowest", "heavy/light", "heavier/lighter",
    "hot/cold", "warm/cool", "wet/dry", "young/old", "new/old", "newer/older", "urban/rural", "domestic/foreign",
    "internal/external", "import/export", "imports/exports", "imported/exported", "buy/sell", "bought/sold",
    "gain/loss", "gained/lost", "raised/lowered", "include/exclude", "included/excluded", "arrived/departed",
    "created/destroyed", "birth/death", "born/died", "victory/defeat", "attack/defend", "attacked/defended",
    "upper/lower", "front/back", "inner/outer", "high/low", "long/short", "wide/narrow", "wider/narrower",
    "thick/thin", "deep/shallow", "deeper/shallower", "large/small", "big/small", "many/few", "less/more",
    "greater/lesser", "majority/minority", "male/female", "men/women", "man/woman", "king/queen",
    "father/mother", "son/daughter", "brother/sister", "husband/wife", "boys/girls", "day/night",
    "morning/evening", "beginning/end", "started/stopped", "earlier/later", "previous/next", "past/future",
    "light/dark", "good/bad", "better/worse", "agree/disagree", "approved/rejected", "official/unofficial",
    "formal/informal", "direct/indirect", "directly/indirectly", "visible/invisible", "natural/artificial",
    "theoretical/practical", "practical/impractical", "efficient/inefficient", "effective/ineffective",
    "stable/unstable", "complete/incomplete", "dependent/independent", "conservative/liberal", "land/sea",
    "upstream/downstream", "indoor/outdoor", "input/output", "expanded/reduced", "increasing/decreasing",
    "accept/refuse", "winner/loser", "wealthy/poor", "cheap/expensive", "added/removed", "joined/left",
    "primary/secondary", "senior/junior", "superior/inferior", "heaviest/lightest", "hottest/coldest",
    "tallest/shortest", "strongest/weakest", "richest/poorest", "closest/farthest", "nearest/farthest",
    "near/far", "everything/nothing", "mostly/rarely", "inward/outward", "maximum/minimum", "lowest/highest",
    "entry/exit", "forward/backward", "ally/enemy", "allies/enemies", "friend/enemy", "peace/war",
    "guilty/innocent", "permanent/temporary", "present/absent", "presence/absence", "global/local",
    "national/local", "federal/state", "military/civilian", "voluntary/compulsory", "mandatory/optional",
    "rising/falling", "growth/decline", "grew/shrank", "southernmost/northernmost", "westernmost/easternmost")
_CLASSES = (
    "monday tuesday wednesday thursday friday saturday sunday",
    "january february march april june july august september october november december",
    "one two three four five six seven eight nine ten eleven twelve twenty hundred thousand million billion",
    "second third fourth fifth sixth seventh eighth ninth tenth",
    "spring summer autumn winter", "red blue green yellow black white",
    "north south east west northeast northwest southeast southwest",
    "europe asia africa america australia antarctica", "daily weekly monthly yearly annually",
    "minutes hours days weeks months years decades centuries")


def _contraries() -> dict[str, tuple[str, ...]]:
    table: dict[str, set[str]] = {}
    for a, b in (p.split("/") for p in (*_PAIRS, *_MORE_PAIRS)):
        table.setdefault(a, set()).add(b)
        table.setdefault(b, set()).add(a)
    for members in (c.split() for c in _CLASSES):
        for word in members:
            table.setdefault(word, set()).update(m for m in members if m != word)
    return {word: tuple(sorted(others)) for word, others in table.items()}


_CONTRARIES = _contraries()
_FUNCTION = frozenset(re.findall(r"\w+", """
about above across after against along among around because before behind below beneath beside besides between
beyond during except inside into near onto outside over since than that then there these those though through
throughout toward towards under until upon whether which while with within without would could should might
must shall will have having been being does doing done many much more most some several such each every either
neither other others another also only very just even still often ever never always both same well become
became first last next like used using made make called known"""))
_RELATED = 0.2  # the least similarity of a name to the name it replaces (MiniLM's word embeddings)
_KIN = 0.3  # the least similarity of two words exchanged (MiniLM's word embeddings)
_BEING = re.compile(r"^((?:What|Who|Which)(?: \w+)?) (is|was|are|were) (?!not )")
_DOING = re.compile(r"^(Who|What) (\w+ed) ")
_INTO = re.compile(r"\b(?:in|on|at|by|for|of|from|to|with|as|into|about|during|since|after|before|until|than)\s+"
                   r"(?:(?:the|a|an)\s+)?$", re.IGNORECASE)
_DETERMINER = re.compile(r"\b(?:the|a|an)\s+$", re.IGNORECASE)
_QUANTITIES = frozenset(_CLASSES[2].split()) | {"half", "several", "dozens", "hundreds", "thousands", "millions"}
_NEGATION = re.compile(r"\s(?:not|never)\b|n't\b", re.IGNORECASE)


def words(text: str) -> set[str]:
    """The text's words, lower-cased, without the most common ones."""
    return set(_WORD.findall(text.lower())) - COMMON


def swapped(question: str, sentences: list[str], rng: random.Random) -> str | None:
    """The question with one name or number exchanged for another the paragraph mentions, or None."""
    own = [n for n in _NAME.findall(question) if not question.startswith(n) and n.split()[0].lower() not in COMMON]
    if not own:
        return None
    candidates = sorted({n for s in sentences for n in _NAME.findall(s)} - set(own))
    candidates = [c for c in candidates if c.lower() not in question.lower() and c.split()[0].lower() not in COMMON
                  and c[0].isdigit() == own[0][0].isdigit()]
    if not candidates:
        return None
    target = rng.choice(own)
    return question.replace(target, rng.choice(candidates), 1)


def turned(question: str, rng: random.Random) -> str | None:
    """The question made to ask the opposite (SQuAD 2.0's antonym and negation kinds), or None: "the first" becomes
    "the last", "Who was" becomes "Who was not", "Who founded" becomes "Who never founded"."""
    tokens = question.split()
    opposite = [i for i, w in enumerate(tokens) if w.lower() in _OPPOSITES]
    if opposite and (rng.random() < 0.7 or not (_BEING.match(question) or _DOING.match(question))):
        i = rng.choice(opposite)
        word = _OPPOSITES[tokens[i].lower()]
        tokens[i] = word.capitalize() if tokens[i][0].isupper() else word
        return " ".join(tokens)
    if _BEING.match(question):
        return _BEING.sub(r"\1 \2 not ", question, count=1)
    if _DOING.match(question):
        return _DOING.sub(r"\1 never \2 ", question, count=1)
    return None


def contrary(question: str, rng: random.Random) -> str | None:
    """The question with one word changed for a contrary one, or a year or number shifted, or None."""
    choices = [m for m in _TOKEN.finditer(question) if m.start() > 0 and
               (m.group().lower() in _CONTRARIES or m.group()[0].isdigit())]
    if not choices:
        return None
    found = rng.choice(choices)
    word = found.group()
    if word[0].isdigit():
        digits = re.match(r"\d+", word)
        assert digits is not None
        number = int(digits.group())
        step = rng.randint(1, 9) if 1000 <= number <= 2100 else rng.choice((1, 2, number or 1))
        new = str(number + rng.choice((-step, step)) if number > step else number + step) + word[digits.end():]
    else:
        new = rng.choice(_CONTRARIES[word.lower()])
        new = new.capitalize() if word[0].isupper() else new
    return question[:found.start()] + new + question[found.end():]


class WordVectors:
    """MiniLM's own word embeddings (a word's word pieces averaged): which words are related, without running the
    network. Used to pick the word that replaces another."""

    def __init__(self, folder: Path) -> None:
        from safetensors.numpy import load_file
        from transformers import AutoTokenizer

        tensors = load_file(str(folder / "model.safetensors"))
        self._table = next(t for name, t in tensors.items() if name.endswith("word_embeddings.weight"))
        self._tokenizer = AutoTokenizer.from_pretrained(folder)

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - one instance per training run
    def vector(self, word: str) -> np.ndarray:
        ids = self._tokenizer(word, add_special_tokens=False)["input_ids"]
        vector = np.asarray(self._table[ids], dtype=np.float32).mean(axis=0)
        return vector / (np.linalg.norm(vector) or 1.0)

    def related(self, word: str, candidates: Iterable[str]) -> list[tuple[float, str]]:
        """The candidates with their similarity to `word`, most similar first."""
        target = self.vector(word)
        return sorted(((float(self.vector(c) @ target), c) for c in candidates), reverse=True)


def replaced(question: str, answering: str, paragraph: list[str], vectors: WordVectors,
             rng: random.Random) -> str | None:
    """The question with a name it shares with the answering sentence changed for the most related name of the
    paragraph that the sentence does not use (Greek -> Cypriot, Macs -> Smartphones), or None. Only names: a common
    word's related words are as often its synonyms (independence -> freedom), which would leave the question
    answerable."""
    used, asked = words(answering), words(question)
    targets = [m for m in _TOKEN.finditer(question) if m.start() > 0 and len(m.group()) > 3
               and m.group()[0].isupper() and m.group()[1:].islower() and m.group().lower() in used]
    if not targets:
        return None
    found = rng.choice(targets)
    word = found.group().lower()
    pool = {m.group() for s in paragraph for m in _TOKEN.finditer(s) if m.start() > 0 and len(m.group()) > 3
            and m.group()[0].isupper() and m.group()[1:].islower()}
    pool = {w for w in pool if w.lower() not in used | asked | _FUNCTION and w.lower()[:4] != word[:4]}
    close = [w for score, w in vectors.related(word, sorted(pool, key=str.lower)) if score >= _RELATED][:3]
    if not close:
        return None
    return question[:found.start()] + rng.choice(close) + question[found.end():]


def exchanged(question: str, answering: str, vectors: WordVectors, rng: random.Random) -> str | None:
    """The question with two related words of its own exchanged (of one kind, so the question still reads: two
    places, two things), both used by the answering sentence in the question's order and not joined by "and", "or"
    or a comma (which would leave the question as it was), or None."""
    tokens = list(re.finditer(r"[A-Za-z]+", question))
    sentence = [t.lower() for t in re.findall(r"[A-Za-z]+", answering)]
    content = [i for i, t in enumerate(tokens) if len(t.group()) > 3 and t.group().lower() not in COMMON
               and t.group().lower() in sentence]
    pairs = []
    for a in content:
        for b in content:
            first, second = tokens[a].group().lower(), tokens[b].group().lower()
            between = question[tokens[a].end():tokens[b].start()]
            if b - a >= 2 and first[:4] != second[:4] and not re.search(r"\b(?:and|or)\b|,", between) \
                    and sentence.index(first) < sentence.index(second) \
                    and vectors.vector(first) @ vectors.vector(second) >= _KIN:
                pairs.append((a, b))
    if not pairs:
        return None
    a, b = rng.choice(pairs)
    one, other = tokens[a], tokens[b]
    return (question[:one.start()] + other.group() + question[one.end():other.start()] + one.group()
            + question[other.end():])


def inverted(question: str, answer: str, answering: str, rng: random.Random) -> str | None:
    """The question with a name or number it shares with the answering sentence changed for the answer (a name for a
    name, a number for a number), so that it asks the relation the other way round, or None."""
    if not answer or len(answer.split()) > 5 or answer.lower() in question.lower() or not _NAME.fullmatch(answer):
        return None
    targets = [m for m in _NAME.finditer(question) if m.start() > 0 and m.group().split()[0].lower() not in COMMON
               and m.group() in answering and m.group()[0].isdigit() == answer[0].isdigit()
               and m.group().lower() not in answer.lower() and "-" not in question[m.start() - 1:m.end() + 1]]
    if not targets:
        return None
    found = rng.choice(targets)
    return question[:found.start()] + answer + question[found.end():]


def affirmed(question: str, answering: str) -> str | None:
    """The question without the negation it shares with the answering sentence ("did not" -> "did"), or None."""
    if not _NEGATION.search(question) or not _NEGATION.search(answering):
        return None
    return " ".join(_NEGATION.sub("", question, count=1).split())


def unanswered(sentence: str, answer: str, question: str) -> str | None:
    """The answering sentence with its answer taken out, or None when the answer is most of the sentence or appears
    in it more than once: with the preposition that led into it ("anchored to gold" -> "anchored"), else put as
    "someone", "some" or "something" ("lost two thirds of its value" -> "lost some of its value"); a year goes."""
    start = sentence.find(answer)
    if not answer or start < 0 or sentence.count(answer) > 1 or len(answer) > len(sentence) / 2:
        return None
    head, tail = sentence[:start], sentence[start + len(answer):]
    into = _INTO.search(head)
    if into or re.fullmatch(r"\d{4}s?", answer) or (head.rstrip().endswith("(") and tail.lstrip().startswith(")")):
        head, filler = head[:into.start()] if into else head.rstrip().removesuffix("("), ""
        tail = tail.lstrip().removeprefix(")") if not into else tail
    else:
        determiner = _DETERMINER.search(head)
        head = head[:determiner.start()] if determiner else head
        filler = "some" if answer[0].isdigit() or answer.split()[0].lower() in _QUANTITIES else \
            "someone" if question.lower().startswith(("who", "whom", "whose")) else "something"
    left = " ".join(f"{head} {filler} {tail}".split())
    left = re.sub(r"\s+([,.;:!?)]|'s\b)", r"\1", left)
    left = re.sub(r",\s*([.;:!?])", r"\1", left).lstrip(" ,;:")
    if len(words(left)) < 3:
        return None
    return left[:1].upper() + left[1:]
