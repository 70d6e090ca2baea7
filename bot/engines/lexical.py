"""Word-level signals the embedded engine adds to the sentence vectors: BM25 and demand phrases."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN
from scipy import sparse

__all__ = [
    "asks_for_date",
    "asks_for_demands",
    "asks_for_number",
    "asks_for_thesis",
    "bm25_scores",
    "coverage",
    "has_date",
    "has_number",
    "is_demand",
    "leans_back",
    "lexical_centrality",
    "unframed",
    "unnamed",
]

_local = threading.local()
# bm25s sets its own logger to DEBUG and logs every index it builds: one line per question otherwise.
logging.getLogger("bm25s").setLevel(logging.WARNING)
_DEMAND = re.compile(
    r"\b(must|should|ought to|needs? to|need for|has to|have to|is needed|are needed|is required|"
    r"calls? (on|for)|called for|urges?|it is (time|imperative|essential|vital|crucial|necessary)|"
    r"cannot afford|can ?not continue|let us|let's|has a duty|have a duty|is incumbent)\b",
    re.IGNORECASE,
)
_NOT_DEMAND = re.compile(r"\b(what|which|where|how) (should|must|ought)\b", re.IGNORECASE)
# An editorial's own demand may be a plain imperative ("Stand up for someone else.") or "we need"; a demand inside
# quotation marks, or reported without the writer's "I" or "we" ("Both sides agreed that employers should...", "The
# joint statement calls on the media..."), is someone else's.
_OWN_DEMAND = re.compile(
    r"\b(we need|we have got to|shouldn['’]t)\b|"
    r"^\s*(?:and |so |now |please )?(?:stand|give|keep|stop|join|tell|ask|vote|support|help|demand|end|start|try|be|"
    r"don['’]t|do not|get|go|listen|pay|act|speak|raise|fight|choose|refuse|reject|resist|write|contact|donate|"
    r"protect|save|teach|learn|think|show|find|bring|treat|pray|love|forgive|hold|spend|build|invest|stay|remember|"
    r"let (?!me\b))\b", re.IGNORECASE)
# A sentence that leans on the one before ("Hence...", "This...") cannot stand alone as a TL;DR or a quote.
_LEANS_BACK = re.compile(
    r"^(equally|secondly|thirdly|finally|hence|but|and|or|so|also|moreover|however|furthermore|this|these|that|"
    r"those|it|its|they|their|he|she|such|certainly|still|yet|then|thus|therefore|instead|indeed)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[“\"][^”\"]*[”\"]")
_REPORTED = re.compile(r"\b(said|says|agreed|argues|argued|warned|warns|insisted|insists|claimed|claims|told|stated|"
                       r"declared|tweet(ed)?|statement|according to|calls? (on|for)|called (on|for))\b", re.IGNORECASE)
_WRITER = re.compile(r"\b(I|we|us|our)\b", re.IGNORECASE)
_ASKS_DEMANDS = re.compile(
    r"\b(call(s|ing)? (for|on)|want|demand|propose|recommend|urge|suggest|ask(s|ing)? for|should .* do|"
    r"must .* do|need(s)? to (be )?do)", re.IGNORECASE)
_PIECE = (r"(the|this|its) (editorial board|editorial|editors|piece|article|op-?ed|leader|author|writer|paper|"
          r"newspaper|column|columnist)")
# "What does the editorial think about X?" asks what it says of X: the reader, trained on SQuAD's questions about a
# text's content, reads the frame as words the sentence should use and loses confidence (the seed: 0.15 asked so of
# the peace talks, 0.46 asked "What about the peace talks with the TTP?", citing the same sentence).
_TOWARDS = r" (?:of|about|on|regarding|concerning|towards?) "
_ABOUT = re.compile(
    rf"^\s*(?:(?:(?:what|how) (?:do|does|did) (?:{_PIECE}|it) (?:say|think|believe|argue|feel|write|claim|conclude)|"
    rf"what(?: is|'s) {_PIECE}'s (?:view|opinion|position|stance|take|verdict|line|argument|assessment)|"
    rf"(?:what|which) (?:view|position|stance|line) does {_PIECE} take|where does {_PIECE} stand){_TOWARDS}|"
    rf"how does {_PIECE} (?:see|view|describe|characteri[sz]e|portray|judge|assess|regard) |"
    rf"(?:do|does|did) (?:{_PIECE}|it) (?:mention|discuss|cover|address|touch on|deal with|talk about|"
    r"say anything about|support|oppose|back|favou?r|endorse|agree with|approve of|welcome|critici[sz]e|condemn|"
    r"blame|defend|reject) (?!(?:who|what|when|where|why|how|which)\b)|"
    rf"(?:is|was|are|were) {_PIECE} (?:for|against|in favou?r of|opposed to|critical of|supportive of) |"
    r"tell me (?:more )?about )"
    r"(?P<topic>.+?)\s*\??\s*$", re.IGNORECASE)
_ACCORDING = re.compile(
    rf"^\s*(?:according to|in the (?:view|opinion|eyes) of|for|as far as) {_PIECE}"
    r"(?:'s view| (?:knows|can tell))?,?\s+|"
    rf"^\s*(?:in|by) {_PIECE}'s (?:view|account|telling|reckoning|opinion),?\s+|"
    rf"^\s*(?:does|do|did) (?:{_PIECE}|it) (?:say|tell us|mention|explain|state|know) "
    r"(?=(?:who|what|when|where|why|how|which)\b)|"
    rf",? (?:according to|in the view of) {_PIECE}(?=\s*\??\s*$)", re.IGNORECASE)
_WHY = re.compile(r"\bwhy\b|\b(what|which) (is|was|are|were) the (main )?(reasons?|causes?|motives?)\b|"
                  r"\bfor what reason\b|\bhow come\b|\bwhat (led|drove|pushed|caused|prompted|made)\b", re.IGNORECASE)
_ASKS_THESIS = re.compile(
    r"\b(main|central|chief|overall|key|core|biggest) (argument|point|message|claim|thesis|idea|takeaway|concern|"
    r"worry|theme|focus|conclusion|lesson|complaint|criticism)"
    rf"( (of|in) {_PIECE})?\s*\??\s*$|"
    r"\b(gist|thrust|bottom line|tl;? ?dr|in a nutshell)\b|"
    rf"^\s*what( is|'s) {_PIECE}('s)? (about|arguing|saying)\s*\??\s*$|"
    rf"^\s*what (do|does) {_PIECE} (argue|say|think|believe|conclude)\s*\??\s*$|"
    rf"^\s*what( is|'s) {_PIECE}'s (view|position|stance|opinion|take|argument|point|message|conclusion)\s*\??\s*$|"
    rf"^\s*what( is|'s) the (point|message) of {_PIECE}\s*\??\s*$|"
    rf"^\s*(what|which) (view|position|stance|line|side) does {_PIECE} take\s*\??\s*$|"
    rf"^\s*where does {_PIECE} stand\s*\??\s*$",
    re.IGNORECASE)
# Runs of capitalised words in a question name who or what it asks about; these capitalised words do not.
_LETTERS = re.compile(r"[^\W\d_][^\W_]*(?:-[^\W_]+)*(?:\.[^\W\d_])*")  # a word of letters: "U.S", "al-Masri"
_NOT_NAMES = frozenset({
    "what", "who", "whom", "whose", "when", "where", "why", "how", "which", "did", "does", "do", "is", "are", "was",
    "were", "has", "have", "had", "will", "would", "can", "could", "should", "the", "a", "an", "in", "on", "at", "of",
    "for", "by", "from", "to", "with", "as", "after", "before", "during", "since", "under", "between", "about",
    "according", "besides", "other", "outside", "around", "along", "apart", "aside", "if", "and", "or", "not", "it",
    "its", "there", "this", "that", "these", "those", "i", "mr", "mrs", "ms", "dr", "sir", "lord", "president",
    "prime", "minister", "governor", "senator", "congressman", "representative", "mayor", "king", "queen", "prince",
    "princess", "pope", "general", "chief", "judge", "justice", "secretary", "chancellor", "premier", "sheikh",
    "imam", "bishop", "archbishop", "ambassador", "commissioner", "director", "coach", "captain", "officer",
    "professor", "editor", "editorial", "writer", "author", "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december", "monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday"
})
_WHEN = re.compile(r"^\s*(when|what (year|date|day|month|time))\b|\b(on|by) what date\b", re.IGNORECASE)
_DATE = re.compile(
    r"\b(1[89]\d\d|20\d\d|jan(uary)?|feb(ruary)?|march|april|june|july|aug(ust)?|sept?(ember)?|oct(ober)?|"
    r"nov(ember)?|dec(ember)?|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|"
    r"tomorrow|tonight|(last|next|this) (week|month|year)|ago|since|until|century|decade)\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[a-z0-9]+")
_QUESTION_WORDS = frozenset(STOPWORDS_EN) | {"what", "which", "who", "whom", "whose", "when", "where", "why", "how",
                                              "did", "does", "do", "editorial", "say", "says"}
_HOW_MANY = re.compile(r"\b(how (many|much|long|old|far|often)|what (number|percentage|share|proportion))\b",
                       re.IGNORECASE)
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundreds?|thousands?|millions?|billions?|dozens?|half|once|twice|several)\b",
    re.IGNORECASE,
)


def _stemmer() -> Stemmer.Stemmer:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


def bm25_scores(question: str, sentences: Sequence[str]) -> np.ndarray:
    """BM25 score of each sentence for the question (stemmed, English stop words removed)."""
    stemmer = _stemmer()
    corpus = bm25s.tokenize(list(sentences), stopwords="en", stemmer=stemmer, show_progress=False)
    query = bm25s.tokenize([question], stopwords="en", stemmer=stemmer, show_progress=False,
                           return_ids=False)[0]
    known = [token for token in query if token in corpus.vocab]
    if not known:
        return np.zeros(len(sentences), dtype=np.float32)
    index = bm25s.BM25()
    index.index(corpus, show_progress=False)
    return np.asarray(index.get_scores(known), dtype=np.float32)


def is_demand(sentence: str) -> bool:
    """True for a sentence that demands action ("must", "should", "needs to", "calls on"...)."""
    if sentence.rstrip().endswith("?") or _NOT_DEMAND.search(sentence):
        return False
    own = _QUOTED.sub(" ", sentence)
    if _REPORTED.search(own) and not _WRITER.search(own):
        return False
    return bool(_DEMAND.search(own) or _OWN_DEMAND.search(own))


def leans_back(sentence: str) -> bool:
    """True for a sentence that opens by leaning on the one before ("Hence...", "This...", "But...")."""
    return bool(_LEANS_BACK.match(sentence))


def asks_for_demands(question: str) -> bool:
    """True for "what does it call for / want / propose" questions, which the demand sentences answer."""
    return bool(_ASKS_DEMANDS.search(question))


def asks_why(question: str) -> bool:
    """True for a question that asks for a reason ("Why...?", "What was the reason for...?", "How come...?")."""
    return bool(_WHY.search(question))


def asks_for_thesis(question: str) -> bool:
    """True for "what is its main argument / what is it about" questions, which the summary's TL;DR answers; not for
    a question about something in particular ("What does the editorial say about India?")."""
    return bool(_ASKS_THESIS.search(question))


def unframed(question: str) -> str:
    """What a question asks of the editorial's sentences, without the words that only point at the editorial:
    "What does the editorial think about the talks?" and "Does the editorial support the talks?" ask "What about the
    talks?" (what it says of them is its answer, yes or no); "According to the author, who
    ended the siege?" and "Does the editorial say who ended the siege?" ask "Who ended the siege?"."""
    about = _ABOUT.match(question)
    if about:
        return f"What about {about.group('topic')}?"
    asked = _ACCORDING.sub("", question).strip()
    return asked[:1].upper() + asked[1:] if asked else question


def unnamed(question: str, text: str) -> list[str]:
    """The names a question asks about that the text never uses: runs of capitalised words after the question's
    first word (titles, months and question words aside), a name counting as used when any of its words is in the
    text in any case ("Obama's" finds "Obama"). An editorial that never names Nathan Deal cannot say what Nathan Deal
    said."""
    runs: list[list[str]] = [[]]
    for word in question.split()[1:]:
        name = _name_word(word)
        if name:
            runs[-1].append(name)
        elif runs[-1]:
            runs.append([])
    folded = text.lower().replace(".", "")
    return [" ".join(run) for run in runs if run and not any(_uses(text, folded, word) for word in run)]


def _name_word(word: str) -> str:
    """The word as part of a name ("Obama's" gives "Obama"), or "" for a word that is not one."""
    found = _LETTERS.match(word.strip("\"'()\u201c\u201d\u2018\u2019"))
    name = found.group(0) if found and found.group(0)[0].isupper() else ""
    plain = name.lower().rstrip(".")
    return name if len(name) > 1 and not {plain, plain.removesuffix("s")} & _NOT_NAMES else ""


def _uses(text: str, folded: str, word: str) -> bool:
    """Whether the text uses the word: a word of the text (lower case, full stops out) begins with its first four
    letters ("British" finds "Britain") or is all of a shorter one; an abbreviation's letters begin the text's
    words ("EU" finds "European Union", "U.S." "United States"); each part of a hyphenated word counts."""
    parts = [part for part in word.replace(".", "").split("-") if part]
    for part in parts:
        stem = part.lower()
        if re.search(r"\b" + (re.escape(stem[:4]) if len(stem) > 4 else re.escape(stem) + r"\b"), folded):
            return True
        if part.isupper() and 1 < len(part) <= 5 and re.search(
                r"\b" + r"\w*\s+(?:(?:of|the|and|for)\s+)?".join(part) + r"\w*", text):
            return True
    return False


def asks_for_date(question: str) -> bool:
    """True for "when / what year" questions, which only a sentence with a time in it answers."""
    return bool(_WHEN.search(question))


def has_date(sentence: str) -> bool:
    """True when a sentence names a time: a year, a month, a weekday, "last week"."""
    return bool(_DATE.search(sentence))


def asks_for_number(question: str) -> bool:
    """True for "how many / how much / what percentage" questions, which only a number answers."""
    return bool(_HOW_MANY.search(question))


def has_number(sentence: str) -> bool:
    """True when a sentence states a quantity, in digits or words."""
    return bool(_NUMBER.search(sentence))


def lexical_centrality(sentences: Sequence[str]) -> np.ndarray:
    """Each sentence's summed TF-IDF cosine with the others, scaled so the most central scores 1.

    Written out with numpy rather than scikit-learn's TfidfVectorizer (same sublinear TF and smoothed IDF):
    importing scikit-learn would add half a second to every cold start for a dozen lines of arithmetic. The sum
    of a row's cosines is its dot product with the sum of all rows, less its own: no sentence-by-sentence matrix.
    """
    stemmer = _stemmer()
    documents = [stemmer.stemWords(_TOKEN.findall(sentence.lower())) for sentence in sentences]
    vocabulary: dict[str, int] = {}
    rows, columns = [], []
    for row, document in enumerate(documents):
        for term in document:
            rows.append(row)
            columns.append(vocabulary.setdefault(term, len(vocabulary)))
    if not vocabulary:
        return np.zeros(len(sentences))
    counts = sparse.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(len(documents), len(vocabulary)))
    counts.sum_duplicates()
    idf = np.log((1 + len(documents)) / (1 + np.bincount(counts.indices, minlength=len(vocabulary)))) + 1.0
    weights = counts.copy()
    weights.data = (1.0 + np.log(weights.data)) * idf[weights.indices]
    norms = np.sqrt(np.asarray(weights.multiply(weights).sum(axis=1)).ravel())
    weights = sparse.diags(1.0 / np.maximum(norms, 1e-12)) @ weights
    own = np.asarray(weights.multiply(weights).sum(axis=1)).ravel()
    centrality = weights @ np.asarray(weights.sum(axis=0)).ravel() - own
    return np.asarray(centrality / max(float(centrality.max()), 1e-9))


def coverage(question: str, sentences: Sequence[str]) -> np.ndarray:
    """The share of the question's content words (stemmed, stop words out) that each sentence contains."""
    stemmer = _stemmer()

    def content(text: str) -> set[str]:
        return set(stemmer.stemWords([w for w in _TOKEN.findall(text.lower()) if w not in _QUESTION_WORDS]))

    asked = content(question)
    if not asked:
        return np.zeros(len(sentences))
    return np.array([len(asked & content(sentence)) / len(asked) for sentence in sentences])
