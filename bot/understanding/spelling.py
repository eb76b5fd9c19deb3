"""Spelling tolerance: misspelt words of a question corrected against the knowledge base's own
vocabulary, before lexical matching (no Telegram here).

A message may carry several typos at once ("wat are teh fess for the excahnge progam") or be
spelt by ear ("sa dur konbien de tan lechanje"). Its language is guessed from the words it
shares with each language's vocabulary, after a name voice input split into two or three words
is joined ("stras bourg", "neo natal", "stress burg": :meth:`Speller.rejoined`). Then, word by
word:

1. a chat or phonetic shorthand of that language (``matching.yaml`` ``shorthand:``: koi →
   quoi, cest → c est, u → you) is written out, unless the knowledge base uses it ("gotta"),
   and so is a word that steps 2 and 3 correct into one ("konbien": konbyen, so combien);
   in French a lone "c" before anything but a verb is c'est ("c koi", "c possible");
2. in French, an elided article or pronoun glued to an unknown word is split off ("lechanje" →
   l echanje, "detudians" → d etudians), and the rest corrected;
3. every other Latin word the knowledge base does not know is replaced by the closest word it
   does know (the examples, names and keywords of all three languages, and the stop words),
   found with rapidfuzz over that vocabulary: one edit away (OSA: a swap of neighbouring letters
   is one edit) or, for words spelt by ear, with the same sound key (:mod:`.sounds`; French
   messages also use the French key). A word of the message's language wins a tie ("kan" in
   French is quand, not can); a word found by its sound alone must be one of the message's
   language ("servo" in English is no "cerveau", "reckons" no "reconnait").

The lexical side reads the corrected text; the semantic signal reads the original, and the
corrected text too when two words or more were corrected (``correction.respelled``).

Guards: words known as not listed or out of scope ("urology", "derm", "weather") are part of
the vocabulary, so they stay as they are; a short word is never shortened ("nems" is no
"nes") nor turned into a name or a not-listed field ("gym" is no "gyn", "irl" no "orl") nor
given a letter far from the one typed ("tfe" is no "tie"); a tie between corrections one edit
away goes to the likely slip (a letter left out, swapped or a keyboard neighbour: "wich" is
which, not with); chat fillers are never the correction of another word; more than one edit
turned real words into the knowledge base's, and is not tried. A common English or French
word (``common_latin.txt``) is no typo ("told" is no "cold"; from three letters for the most
frequent ones: "sir" is no "six"); an unknown word that begins one known word used much more
than the others is that word clipped ("stomato": stomatology).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA, Hamming

from bot.understanding.chinese_spelling import ChineseSpeller
from bot.understanding.sounds import sound_key

MIN_LENGTH = 3  # shorter words are left alone (u, r, ur: chat shorthand, not typos)
EDITS = 1  # two edits turned real words into the knowledge base's (reductions: reeducation)
SHORT = 4  # a word this short is corrected by changing or adding a letter, never dropping one
MIN_SOUND = 3  # shorter sound keys say too little ("teh" and "test" both sound "t")
MIN_FRENCH_SOUND = 4  # the same for the French key, which drops more
GUARD_COMMON = True  # common English and French words are never corrected
CLIPPED = 5  # an unknown word this long may be a clipped form of a known one (stomato, immuno)
CLIPPED_REST = 4  # … of one at least this much longer ("strong" is no clipped "strongest")
CLIPPED_SHARE = 0.5  # … when one completion has at least this share of the completions' uses
JOINED = 3  # voice input splits a name into up to this many words ("stras bourg", "neo natal")
JOINED_LENGTH = 7  # … joined only into a known word this long at least
JOINED_SOUND = 7  # … or into one whose sound key is one edit from theirs, from this many sounds
ELIDED = "fr"  # the language whose articles and pronouns are elided and glued (l', d', j')
# An elided article or pronoun glued to the next word: l'échange typed "lechange"; j' also
# before a consonant ("jpeux").
# Which letter is elided before what: l', d', j', qu' before a vowel or h; c' before e (c'est);
# s' before il (s'il); n' and m' before a, i, y, es, et, ex (n'est, m'a); j' also before a
# consonant.
_ELISION = re.compile(
    r"^(?:(qu|[dlj])(?=[aeiouyh])|(c)(?=e)|(s)(?=il)|([nm])(?=[aiy]|e[stx])|(j)(?=[bcdfgkmnpstv]))"
    r"([a-z]{3,})$"
)
# French chat writes c'est as a lone "c" ("c koi", "c possible"): written out before any word
# but the verb it already precedes (c'est, c'était, ç'a été).
_C_VERBS = frozenset({"est", "etait", "etaient", "a", "ete", "sera", "serait"})
_FIRST = re.compile(r"^h?([cqk]|.)")  # a word's first sound: silent h dropped, c/q/k as one


_COMMON_LATIN = Path(__file__).with_name("common_latin.txt")  # scripts/build_common_latin.py


@lru_cache(maxsize=1)
def _common_latin_keys() -> npt.NDArray[np.int64]:
    """The common English and French words (``common_latin.txt``) as sorted hashes: 0.3 MB,
    where a set of the 39,000 strings takes about 3 MB."""
    text = _COMMON_LATIN.read_text("utf-8")  # one word at a time: no list of 39,000 strings
    keys = np.fromiter((hash(m.group()) for m in re.finditer(r"\S+", text)), np.int64)
    keys.sort()
    return keys


def common_latin(word: str) -> bool:
    """Whether a folded Latin word is a common English or French word (a real word, no typo:
    "told", "connais", "mere")."""
    table = _common_latin_keys()
    key = hash(word)
    found = min(int(np.searchsorted(table, key)), len(table) - 1)
    return bool(table[found] == key)


class Speller:
    """Corrects the unknown Latin words of normalised texts against a vocabulary."""

    def __init__(
        self,
        vocabulary: Iterable[str],
        *,
        keep: Iterable[str] = (),
        names: Iterable[str] = (),
        described: Iterable[str] = (),
        unlisted: Iterable[str] = (),
        chinese: ChineseSpeller | None = None,
        languages: Mapping[str, Iterable[str]] | None = None,
        shorthand: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """``vocabulary``: every known word, as often as it is used (the most used wins a tie);
        ``names``: words of the items' names and aliases, never the correction of a short
        word; ``described``: words only the items' lay descriptions use, likewise never the
        correction of a short word ("pool" is not "pouls"); ``unlisted``: words of the fields
        known as not listed, never the correction of a short word either ("irl" is no "ORL",
        "psk" no "psy"); ``keep``: known words that are
        never corrected nor targets (not listed fields, out-of-scope words); ``languages``:
        each language's own words (its phrases and stop words); ``shorthand``: per language,
        chat spellings and what they stand for (normalised)."""
        counts = Counter(w for w in vocabulary if w.isascii() and w.isalpha())
        self._keep = frozenset(keep)
        self._chinese = chinese
        self._names = frozenset(names) | frozenset(described)  # never for a short word
        self._not_short = self._names | frozenset(unlisted)  # … nor these
        self._known = frozenset(counts) | self._keep
        self._count = counts
        self._languages = {
            lang: frozenset(w for w in words if w.isascii())
            for lang, words in (languages or {}).items()
        }
        self._shorthand = {
            lang: {w: tuple(full.split()) for w, full in table.items() if w.isascii()}
            for lang, table in (shorthand or {}).items()
        }
        by_length: dict[int, list[str]] = defaultdict(list)
        for word in sorted(counts):
            if len(word) >= MIN_LENGTH - 1:
                by_length[len(word)].append(word)
        self._by_length = dict(by_length)
        self._sounds = self._sound_index(counts, "latin", counts)
        french = self._languages.get(ELIDED, frozenset()) | self._names
        self._french_sounds = self._sound_index(counts, "fr", french)
        self._sorted = sorted(counts)
        self._long_sounds: dict[str, str] = {}  # the sound key of each long word: the most used
        for word in sorted(counts, key=lambda w: (-counts[w], w)):
            if len(word) >= JOINED_LENGTH and len(sound_key(word)) >= JOINED_SOUND:
                self._long_sounds.setdefault(sound_key(word), word)
        self._long_keys: dict[int, list[str]] = defaultdict(list)  # … by their length
        for sound in self._long_sounds:
            self._long_keys[len(sound)].append(sound)
        self.word = lru_cache(maxsize=8192)(self._word)
        self.joined = lru_cache(maxsize=4096)(self._joined)

    @staticmethod
    def _sound_index(counts: Counter[str], key: str, words: Iterable[str]) -> dict[str, list[str]]:
        """The known ``words`` by their sound key under ``key``'s rules, most used first."""
        sounds: dict[str, list[str]] = defaultdict(list)
        for word in sorted(set(words) & counts.keys(), key=lambda w: (-counts[w], w)):
            if len(word) >= MIN_LENGTH:
                sounds[sound_key(word, key)].append(word)
        return dict(sounds)

    def load_tables(self) -> None:
        """Load the common-word tables the first corrections would read (Latin, Chinese)."""
        _common_latin_keys()
        if self._chinese is not None:
            self._chinese.load_tables()

    def knows(self, word: str) -> bool:
        """Whether a word is in the vocabulary."""
        return word in self._known

    def language(self, words: Iterable[str]) -> str | None:
        """The language most of the Latin ``words`` belong to (its words or its shorthand),
        None when no language leads. A word of several languages counts for each in part."""
        shared: dict[str, float] = defaultdict(float)
        for w in words:
            found = [
                lang
                for lang, own in self._languages.items()
                if w in own or w in self._shorthand.get(lang, {})
            ]
            for lang in found:
                shared[lang] += 1 / len(found)
        ranked = sorted(shared.items(), key=lambda pair: -pair[1])[:2]
        if not ranked or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
            return None
        return ranked[0][0]

    def correct(self, normalized: str, keep: frozenset[str] = frozenset()) -> str:
        """A normalised text with its shorthand written out and its unknown words corrected
        (the same text when none is); the words of ``keep`` stay as they are."""
        words = self.rejoined(normalized.split(), keep)
        lang = self.language(w for w in words if w.isascii())
        chinese = self._chinese
        shorthand = self._shorthand.get(lang or "", {})
        own = self._languages.get(lang or "")
        fixed: list[str] = []
        for i, w in enumerate(words):
            after = words[i + 1] if i + 1 < len(words) else None
            if lang == ELIDED and w == "c" and after is not None and after not in _C_VERBS:
                fixed.extend(("c", "est"))  # "c koi" is c'est quoi
            elif not w.isascii():
                fixed.append(chinese.run(w) if chinese is not None else w)
            elif w in keep:
                fixed.append(w)
            elif w in shorthand and self._shorthand_here(w, own):
                fixed.extend(shorthand[w])
            elif lang == ELIDED:
                fixed.extend(_written_out(w, self._unglued(w), shorthand))
            else:
                fixed.extend(_written_out(w, (self.word(w, lang),), shorthand))
        return normalized if fixed == normalized.split() else " ".join(fixed)

    def rejoined(self, words: list[str], keep: frozenset[str] = frozenset()) -> list[str]:
        """The words with a name voice input split rejoined ("stras bourg" → strasbourg,
        "cardio logy" → cardiology): two or three neighbouring Latin words, one of them
        unknown, whose joined form is a long known word, or sounds like one (one edit between
        the sound keys of a long word: "stress burg"). Known words stay apart ("a broad",
        "work shop"), and so do the words of ``keep``."""
        unknown = [w not in self._known for w in words]
        if not any(unknown):
            return words
        out: list[str] = []
        i = 0
        while i < len(words):
            for n in range(min(JOINED, len(words) - i), 1, -1):
                pieces = tuple(words[i : i + n])
                if not any(unknown[i : i + n]) or any(p in keep for p in pieces):
                    continue
                target = self.joined(pieces)
                if target is not None:
                    out.append(target)
                    i += n
                    break
            else:
                out.append(words[i])
                i += 1
        return out

    def _joined(self, pieces: tuple[str, ...]) -> str | None:
        """The long known word the pieces of a split name stand for, or None: the pieces
        joined when that is a known word; otherwise a known word that sounds like them (the
        same sound key, or one vowel heard wrong: "stress burg"), when one piece is no real
        word and the last one adds sounds ("disponible et" is no "disponibles")."""
        if not all(p.isascii() and p.isalpha() and len(p) >= 2 for p in pieces):
            return None
        if all(p in self._known for p in pieces):
            return None  # every piece is a word of the knowledge base: "a broad", "in to"
        whole = "".join(pieces)
        if len(whole) < JOINED_LENGTH:
            return None
        if whole in self._count:
            found: str | None = whole
        elif all(p in self._known or common_latin(p) for p in pieces) or min(map(len, pieces)) < 3:
            return None  # real words and particles sound like a name by chance: "special type"
        else:
            found = self._sounds_like(whole, "".join(pieces[:-1]))
        return None if found in pieces else found

    def _sounds_like(self, whole: str, head: str) -> str | None:
        """The long known word whose sound key is that of ``whole`` or one vowel away, when
        the end of ``whole`` after ``head`` adds sounds; None otherwise."""
        sound = sound_key(whole)
        if len(sound) < JOINED_SOUND or sound == sound_key(head):
            return None
        found = self._long_sounds.get(sound)
        if found is not None:
            return found
        keys = self._long_keys.get(len(sound), [])  # one sound heard wrong, no more
        for near, _, _ in process.extract(
            sound, keys, scorer=Hamming.distance, score_cutoff=1, limit=None
        ):
            changed = next((a, b) for a, b in zip(sound, near, strict=True) if a != b)
            if all(c in "aeiou" for c in changed):
                return self._long_sounds[near]
        return None

    def _shorthand_here(self, word: str, own: frozenset[str] | None) -> bool:
        """Whether a shorthand spelling of the message's language is written out: when it is
        no known word, or only another language's word that names nothing ("n" in "infection n
        immunity" is English's "and", not French's n')."""
        if word not in self._known:
            return True
        return own is not None and word not in own and word not in self._names

    def _unglued(self, word: str) -> tuple[str, ...]:
        """A French word, an elided article or pronoun glued to it split off when the rest is
        a known word, or when the whole word has no correction and the rest has one."""
        glued = _ELISION.match(word) if word not in self._known else None
        if glued is None:
            return (self.word(word, ELIDED),)
        article, rest = next(g for g in glued.groups() if g), glued.group(glued.lastindex or 0)
        if rest in self._languages.get(ELIDED, ()):
            return (article, rest)
        whole = self.word(word, ELIDED)
        if whole != word or common_latin(word):
            return (whole,)  # a common word is no elision: "laver" is no "l avec"
        fixed = self.word(rest, ELIDED)  # the same first letter: "devoir" is no "d avoir"
        return (article, fixed) if fixed != rest and fixed[0] == rest[0] else (word,)

    def _word(self, word: str, lang: str | None = None) -> str:
        """The correction of one word in a message of ``lang``, or the word itself."""
        if len(word) < MIN_LENGTH or word in self._known or not word.isalpha():
            return word
        if GUARD_COMMON and common_latin(word):
            return word  # a real word, no typo ("told" is no "cold")
        edits = EDITS
        pool = [
            w
            for n in range(len(word) - edits, len(word) + edits + 1)
            for w in self._by_length.get(n, ())
        ]
        found = process.extract(word, pool, scorer=OSA.distance, score_cutoff=edits, limit=None)
        # A word that sounds the same counts as half an edit away ("kel": quel, not key); one
        # that sounds the same by the finer French key only, as one edit.
        scored = [(0.5, w) for w in self._same_sound(word, "latin", self._sounds)]
        if lang == ELIDED:  # the French key is coarser: only from 4 sounds, same first one
            first = _first_sound(word)
            scored += [
                (1.0, w)
                for w in self._same_sound(word, "fr", self._french_sounds, MIN_FRENCH_SOUND)
                if _first_sound(w) == first
            ]
        near = {w for w, _, _ in found}
        scored += [(float(d), w) for w, d, _ in found]
        own = self._languages.get(lang or "")
        best: tuple[tuple[float, ...], str] | None = None
        for distance, candidate in scored:
            if len(word) <= SHORT and len(candidate) < len(word):
                continue  # a short word loses no letter ("nems" is not "nes")
            if len(word) <= SHORT and candidate in near and not _likely_slip(word, candidate):
                continue  # nor takes a letter far from the one typed ("tfe" is no "tie")
            if len(word) <= SHORT and candidate in self._not_short:
                continue  # nor becomes a name ("gym" is not "gyn"), a described word or a
                # field known as not listed ("irl" is no "orl")
            foreign = own is not None and candidate not in own
            if foreign and candidate not in near:
                continue  # a sound is heard in the message's language ("servo" is no "cerveau")
            rank = (
                distance,
                foreign,
                not _likely_slip(word, candidate),
                -_shared_prefix(word, candidate),
                -self._count[candidate],
            )
            if best is None or rank < best[0]:
                best = (rank, candidate)
        if best is not None:
            return best[1]
        return self._completion(word)

    def _completion(self, word: str) -> str:
        """The known word a clipped form stands for ("stomato": stomatology, "immuno":
        immunologie): the most used known word it begins, when that one has at least
        ``CLIPPED_SHARE`` of the uses of all of them ("neuro", the start of neurology,
        neurosurgery and neuroscience alike, stays); otherwise the word itself."""
        if len(word) < CLIPPED:
            return word
        completions = []
        for known in self._sorted[bisect.bisect_right(self._sorted, word) :]:
            if not known.startswith(word):
                break
            if len(known) >= len(word) + CLIPPED_REST:
                completions.append(known)
        if not completions:
            return word
        best = max(completions, key=lambda w: (self._count[w], w))
        total = sum(self._count[w] for w in completions)
        return best if self._count[best] >= CLIPPED_SHARE * total else word

    @staticmethod
    def _same_sound(
        word: str, key: str, index: Mapping[str, list[str]], shortest: int = MIN_SOUND
    ) -> list[str]:
        sound = sound_key(word, key)
        return list(index.get(sound, ())) if len(sound) >= shortest else []


def _written_out(
    typed: str, words: tuple[str, ...], shorthand: Mapping[str, tuple[str, ...]]
) -> tuple[str, ...]:
    """The correction of a ``typed`` word, a chat or phonetic spelling of the message's
    language it was corrected into written out in turn ("konbien": konbyen, so combien),
    even one the knowledge base's own examples use (a word typed as is is guarded by
    :meth:`Speller._shorthand_here`)."""
    if words == (typed,):
        return words
    return tuple(part for word in words for part in shorthand.get(word, (word,)))


def _first_sound(word: str) -> str:
    found = _FIRST.match(word)
    first = found.group(1) if found else ""
    return "k" if first in "cqk" else first


# Keys side by side on QWERTY and AZERTY keyboards, row by row: the i-th key of a row sits
# between the i-th and (i+1)-th keys of the row above ("c" below "d" and "f"). A finger that
# slips types a neighbour.
_ROWS = (("qwertyuiop", "asdfghjkl", "zxcvbnm"), ("azertyuiop", "qsdfghjklm", "wxcvbn"))
_NEIGHBOURS: dict[str, set[str]] = defaultdict(set)
for _layout in _ROWS:
    for _r, _row in enumerate(_layout):
        for _i, _key in enumerate(_row):
            _NEIGHBOURS[_key].update(_row[max(_i - 1, 0) : _i + 2])
            if _r > 0:
                _NEIGHBOURS[_key].update(_layout[_r - 1][_i : _i + 2])
            if _r < len(_layout) - 1:
                _NEIGHBOURS[_key].update(_layout[_r + 1][max(_i - 1, 0) : _i + 1])
# letters written for one another by ear: vowels, the hard c (c, k, q), s and z
_SOUND_ALIKE = (frozenset("aeiouy"), frozenset("ckq"), frozenset("sz"))


def _likely_slip(typed: str, candidate: str) -> bool:
    """Whether a one-edit ``typed`` word is a likely slip for ``candidate``: a letter left out
    or doubled ("wich": which, not with), two letters swapped ("onw": own, not one), or one
    letter written for a keyboard neighbour or for one that sounds alike. Another letter in
    its place is a less likely slip ("wich" is no "with": c and t are far apart)."""
    if len(typed) != len(candidate):
        return True
    changed = [(a, b) for a, b in zip(typed, candidate, strict=True) if a != b]
    if len(changed) != 1:
        return True  # a swap of neighbouring letters (or no change)
    a, b = changed[0]
    return b in _NEIGHBOURS[a] or any(a in group and b in group for group in _SOUND_ALIKE)


def _shared_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n
