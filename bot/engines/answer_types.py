"""Answer types: a question that asks for a number, a date, a name or a place is answered only by a sentence that
supplies one, and one the question does not already hold ("How much does the governor weigh?" is not answered by
"The governor's weight has been mocked for years", nor "How many died in the 2014 attack?" by its "2014"); a
subheading answers nothing on its own; and a sentence that opens with "Because" is the reason for the one before.
"""

from __future__ import annotations

import re

from bot.engines.lexical import asks_for_date, asks_for_number

__all__ = ["asked_type", "gives_reason", "is_heading", "supplies"]

# "Which senator...?", "Which company...?", "What newspaper...?" ask for a name as "Who...?" does: the people, bodies
# and works a piece names (a group, a party, a film), not a policy or a reason ("Which policies...?"). "What groups...?"
# asks for a kind as often as for names, so only "what" and one of them is typed.
_NAMED = (r"senators?|governors?|ministers?|presidents?|leaders?|officials?|generals?|groups?|organi[sz]ations?|"
          r"compan(?:y|ies)|firms?|part(?:y|ies)|newspapers?|magazines?|websites?|charit(?:y|ies)|artists?|writers?|"
          r"authors?|cartoonists?|directors?|actors?|films?|movies?|books?|plays?|songs?|teams?|clubs?|"
          r"universit(?:y|ies)|banks?|agenc(?:y|ies)|networks?|channels?|politicians?|judges?|officers?|commanders?|"
          r"journalists?|lawmakers?|brands?|candidates?|celebrit(?:y|ies)|scholars?|economists?|activists?|"
          r"campaigners?|clerics?|rappers?|singers?|musicians?|bands?|players?|coach(?:es)?|ceos?|executives?|"
          r"spokes(?:man|woman|person)|lawyers?|doctors?")
_NAME = re.compile(r"\b(what|which) (is|was|were|are) the names?\b|\bnames? of\b|^\s*(who|whom|whose)\b|"
                   rf"^\s*(?:which (?:\w+ )?(?:{_NAMED})\b|what (?:{_NAMED})(?<!s)\b)", re.IGNORECASE)
_PLACE = re.compile(r"^\s*where\b|\b(which|what|in what|in which) (country|countries|city|cities|town|province|"
                    r"state|region|village|district|capital|neighbourhood|neighborhood|county)\b", re.IGNORECASE)
_DIGITS = re.compile(r"\d[\d,.]*")
_NUMBER_WORDS = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fifteen|twenty|thirty|forty|fifty|"
    r"sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|trillions?|dozens?|half|once|twice|"
    r"several|per ?cent|percent)\b", re.IGNORECASE)
_TIMES = re.compile(
    r"\b(1[5-9]\d\d|20\d\d|\d{1,2}(st|nd|rd|th)|jan(uary)?|feb(ruary)?|march|april|may|june|july|aug(ust)?|"
    r"sept?(ember)?|oct(ober)?|nov(ember)?|dec(ember)?|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"today|yesterday|tomorrow|tonight|(last|next|this|that) (week|month|year|summer|winter|spring|autumn|fall)|"
    r"ago|since|until|century|decade|\d+s)\b", re.IGNORECASE)
_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]+")
_CLITIC = re.compile(r"['’](?:s|ve|m|d|ll|re)?$", re.IGNORECASE)  # "Obama's" is Obama, "I've" is I
# A sentence that opens with its "because" is the reason for the one before ("...it is easy to be cynical. Because
# in the 20 years...").
_GIVES_REASON = re.compile(
    r"^\s*(?:(?:this|that|it) is |(?:that|it)['’]s )?(?:partly |largely |mainly |simply )?because\b", re.IGNORECASE)
# Words capitalised only because they open a sentence, and days and months: never a name ("Thus, as the Secretary
# said..." gives no name to "Who is the Secretary?", nor "Tuesday, I am testifying..." to "Who...?").
_NOT_NAMES = frozenset({
    "a", "about", "accordingly", "admittedly", "after", "again", "against", "all", "almost", "already", "also",
    "although", "always", "among", "an", "and", "another", "any", "anyone", "anyway", "april", "are", "as", "at",
    "august", "because", "before", "besides", "better", "between", "both", "but", "by", "can", "certainly", "clearly",
    "consequently", "could", "december", "despite", "did", "do", "does", "dr", "during", "each", "either", "even",
    "every", "everybody", "everyone", "everything", "february", "few", "finally", "first", "for", "fortunately",
    "friday", "from", "furthermore", "had", "has", "have", "he", "hence", "her", "here", "his", "how", "however", "i",
    "if", "in", "indeed", "instead", "into", "ironically", "is", "it", "its", "january", "july", "june", "just",
    "last", "less", "let", "like", "likewise", "luckily", "many", "march", "may", "maybe", "meanwhile", "might",
    "monday", "more", "moreover", "most", "mr", "mrs", "ms", "much", "must", "my", "naturally", "neither", "never",
    "nevertheless", "next", "no", "nobody", "none", "nonetheless", "nor", "not", "nothing", "november", "now",
    "obviously", "october", "of", "often", "oh", "on", "once", "one", "only", "or", "other", "otherwise", "our",
    "over", "perhaps", "quite", "rather", "sadly", "saturday", "second", "september", "several", "she", "should",
    "similarly", "since", "so", "some", "somebody", "someone", "something", "sometimes", "still", "such", "sunday",
    "sure", "surely", "that", "the", "their", "then", "there", "therefore", "these", "they", "third", "this", "those",
    "though", "through", "thursday", "thus", "to", "today", "tuesday", "under", "unfortunately", "unless", "unlike",
    "until", "very", "was", "we", "wednesday", "well", "were", "what", "whatever", "when", "whenever", "where",
    "wherever", "whether", "which", "while", "who", "whoever", "whom", "whose", "why", "will", "with", "within",
    "without", "worse", "would", "yes", "yet", "you", "your"})


def asked_type(question: str) -> str | None:
    """What kind of thing the question asks for: "number", "date", "name", "place", or None for anything else
    (a why, a view, a call, a what)."""
    if asks_for_number(question):
        return "number"
    if asks_for_date(question):
        return "date"
    if _NAME.search(question):
        return "name"
    if _PLACE.search(question):
        return "place"
    return None


def supplies(question: str, sentence: str, kind: str) -> bool:
    """Whether `sentence` gives a `kind` of thing ("number", "date", "name", "place") that `question` does not."""
    asked = question.lower()
    if kind == "number":
        found = [m.group(0).rstrip(",.") for m in _DIGITS.finditer(sentence)] + \
            [m.group(0).lower() for m in _NUMBER_WORDS.finditer(sentence)]
    elif kind == "date":
        found = [m.group(0).lower() for m in _TIMES.finditer(sentence)]
    else:
        found = [_CLITIC.sub("", m.group(0)).lower() for m in _CAPITALISED.finditer(sentence)]
        found = [word for word in found if word not in _NOT_NAMES]
    return any(item.lower() not in asked for item in found)


_SENTENCE_WORDS = frozenset({"i", "you", "he", "she", "it", "we", "they", "this", "these", "that", "those", "there",
                             "is", "are", "was", "were", "be", "been", "do", "does", "did", "not", "no", "so", "yes"})


def is_heading(sentence: str) -> bool:
    """Whether the "sentence" is a subheading ("Tarnished credibility.", "Video footage."): three words at most, none
    of them a pronoun or a verb of being or doing, not a question or an exclamation. A heading names what follows
    and answers nothing on its own; "He is correct." and "So disappointing." are sentences."""
    words = sentence.strip().rstrip(".").split()
    return 0 < len(words) <= 3 and not sentence.rstrip().endswith(("?", "!")) and \
        not {w.lower().strip("'\"’,") for w in words} & _SENTENCE_WORDS


def gives_reason(sentence: str) -> bool:
    """True for a sentence that opens as the reason for the one before ("Because...", "That is because...")."""
    return bool(_GIVES_REASON.match(sentence))
