"""Differential matching, the part the differential matching tests share (Q/R C-FIND, QIDO-RS, Modality Worklist).

A suite brings what is its own: the entities it seeds (keyword -> stored value, '' unknown), how it asks the
target (a subclass of Differential with ask() and judge()), its keys and its set queries. This module brings the
rest: drawing key values (strings with wild cards, date and time ranges), comparing the target's answers entity by
entity with the reference model (matching_model), reducing a mismatch by dropping keys one at a time (one request
each: hypothesis neither stores nor shrinks examples, no shrinking against a slow target), and sorting the reduced
mismatches into those that declared deviations explain and those that fail the test.

Deterministic: a run draws its queries from the run's --seed, the same seed giving the same queries."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar

from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st

from dicom_harness.shared import matching_model

# The hypothesis profile of every differential test: bounded, no example database, no shrinking, no deadline (a
# request takes the target's time), health checks off (a slow target is not a slow strategy). Registered so it
# can be named.
SETTINGS = settings(max_examples=40, deadline=None, database=None, phases=(Phase.explicit, Phase.generate),
                    suppress_health_check=list(HealthCheck), print_blob=False, derandomize=False)
settings.register_profile("dicom-harness-differential", SETTINGS)

# How a string key is made from a stored value ("exact" twice: drawn twice as often)
STRING_OPERATIONS = ("exact", "exact", "universal", "lone star", "prefix star", "star suffix", "inner star",
                     "question", "question extra", "drop last", "other case")
RANGE_FORMS = ("single", "closed", "from", "until", "universal")


# -- the strategies, each made once: made at every draw, hypothesis looked each up in its cache or checked a new
# one (two fifths of a drawn query's CPU)
@functools.lru_cache(maxsize=None)
def one_of(values: tuple) -> st.SearchStrategy:
    """st.sampled_from(values), made once per tuple of values."""
    return st.sampled_from(values)


@functools.lru_cache(maxsize=None)
def index_below(count: int) -> st.SearchStrategy:
    """st.integers(0, count - 1), made once per count."""
    return st.integers(0, count - 1)


@functools.lru_cache(maxsize=None)
def some_of(values: tuple, most: int) -> st.SearchStrategy:
    """One to `most` of the values, each once, made once per values and most."""
    return st.lists(one_of(values), min_size=1, max_size=most, unique=True)


BOOLEANS = st.booleans()


# -- drawing keys -----------------------------------------------------------------------------------------------
def other_case(value: str, run: str) -> str:
    """value with its letters' case swapped, the run ID kept as it is (its letters are not the same in every
    run, so which entity a key matches would depend on it)."""
    return run.join(part.swapcase() for part in value.split(run))


def wild_card(operation: str, base: str, at: int) -> str:
    """base with a wild card at position at (0 <= at < len(base)) as the operation says: '*' for a prefix, a
    suffix or one inner character, '?' for one character or inserted; base itself for any other operation."""
    return {"prefix star": base[:at] + "*", "star suffix": "*" + base[at:],
            "inner star": base[:at] + "*" + base[at + 1:], "question": base[:at] + "?" + base[at + 1:],
            "question extra": base[:at] + "?" + base[at:]}.get(operation, base)


def string_key(draw, base: str, run: str) -> str:
    """A key value drawn from a stored value: itself, universal, a lone '*', a wild card in it, its last character
    dropped, or its case swapped. Of a multi-valued one, one of its values; of an unknown one, '*' or a value
    that matches nothing."""
    operation = draw(one_of(STRING_OPERATIONS))
    where = draw(index_below(64))
    if operation == "universal":
        return ""
    if operation == "lone star" or not base:
        return "*" if operation != "exact" else "NONE"
    values = base.split("\\")
    base = values[where % len(values)]
    if operation == "drop last":
        return base[:-1] or "*"
    if operation == "other case":
        return other_case(base, run)
    return wild_card(operation, base, where % len(base))


def range_key(draw, pool: list[str], *, short: bool | None = False, universal: bool = True) -> str:
    """A date or time key from two values of the pool: one value, a closed range, an open one either way, or
    (universal) an empty one. short: the values cut to four characters (a time's hours and minutes); None: that
    drawn too, after the two values."""
    one, two = (draw(one_of(tuple(pool))) for _ in range(2))
    if short is None:
        short = draw(BOOLEANS)
    if short:
        one, two = one[:4], two[:4]
    low, high = sorted((one, two))
    form = draw(one_of(RANGE_FORMS if universal else RANGE_FORMS[:-1]))
    return {"single": one, "closed": f"{low}-{high}", "from": f"{one}-", "until": f"-{one}", "universal": ""}[form]


def keywords(draw, keys: Iterable[str]) -> list[str]:
    """One to three of the keys, each once."""
    return draw(some_of(tuple(sorted(keys)), 3))


def drawn_keys(entities: list[dict[str, str]], vrs: Mapping[str, str], run: str):
    """The strategy of queries over the entities: one to three keys (keyword -> VR), a DA one a date range over
    the stored dates, a TM one a time range (full or hours and minutes, never universal) over the stored times,
    any other a string key from one entity's value."""
    pools = {k: sorted({e[k] for e in entities}) for k, vr in vrs.items() if vr in ("DA", "TM")}

    @st.composite
    def draw_keys(draw) -> dict[str, str]:
        keys = {}
        for keyword in keywords(draw, vrs):
            if vrs[keyword] == "DA":
                keys[keyword] = range_key(draw, pools[keyword])
            elif vrs[keyword] == "TM":
                keys[keyword] = range_key(draw, pools[keyword], short=None, universal=False)
            else:
                source = entities[draw(index_below(len(entities)))]
                keys[keyword] = string_key(draw, source[keyword], run)
        return keys

    return draw_keys()


# Python's codec for each Specific Character Set the differential draws (PS3.3 C.12.1.1.2, single-byte and UTF-8)
CODECS = {"ISO_IR 6": "ascii", "ISO_IR 100": "latin_1", "ISO_IR 101": "iso8859_2", "ISO_IR 192": "utf_8"}
CHARSET_KEY = "SpecificCharacterSet"      # in a drawn query: the request's character set, never matched (C.2.2.2)


def encodes(charset: str, values: Iterable[str]) -> bool:
    """Whether every value can be written in the character set."""
    try:
        for value in values:
            value.encode(CODECS[charset])
    except (UnicodeEncodeError, KeyError):
        return False
    return True


def drawn_encoded_keys(entities: list[dict[str, str]], keys: Iterable[str], charsets: Iterable[str], run: str):
    """The strategy of queries over the entities' string values in several character sets: one or two of the
    keys, each a string key from one entity's value (string_key), and under CHARSET_KEY a character set drawn
    among those that can write every drawn value (always one: list one that writes everything, ISO_IR 192)."""
    keys, charsets = sorted(keys), list(charsets)

    @st.composite
    def draw_keys(draw) -> dict[str, str]:
        drawn = {}
        for keyword in draw(some_of(tuple(keys), 2)):
            source = entities[draw(index_below(len(entities)))]
            drawn[keyword] = string_key(draw, source[keyword], run)
        usable = [c for c in charsets if encodes(c, drawn.values())]
        drawn[CHARSET_KEY] = draw(one_of(tuple(usable)))
        return drawn

    return draw_keys()


# -- judging ----------------------------------------------------------------------------------------------------
def judge_scoped(keys: Mapping[str, str], entity: Mapping[str, str], uids: list[str], vrs: Mapping[str, str], *,
                 optional: Iterable[str] = (), matched_on: Iterable[str] = ()) -> matching_model.EntityJudgement:
    """The model's judgement of a query scoped by the list of the seeded studies' UIDs (so that nothing else
    stored on the target answers it): the keys (keyword -> value, their VRs in vrs) and the Study Instance UID
    list. optional: the Optional Keys; matched_on: those the target claims to match on."""
    typed = {"StudyInstanceUID": ("UI", "\\".join(uids))}
    typed.update({k: (vrs[k], v) for k, v in keys.items()})
    optional = set(optional)
    return matching_model.judge_entity(typed, entity, optional=[k for k in keys if k in optional],
                                       matched_on=matched_on)


def drawn_date_time_keys(entities: list[dict[str, str]], date_keyword: str, time_keyword: str):
    """The strategy of Q/R queries for combined date-time matching: a date range and a time range over the stored
    values, mostly of the same form (closed, from, until: the case C.2.2.2.5.4 combines), sometimes not."""
    dates = sorted({e[date_keyword] for e in entities if e[date_keyword]})
    times = sorted({e[time_keyword] for e in entities if e[time_keyword]})

    @st.composite
    def draw_keys(draw) -> dict[str, str]:
        forms = [draw(one_of(("closed", "from", "until")))]
        forms.append(forms[0] if draw(index_below(4)) else draw(one_of(("closed", "from", "until"))))
        keys = {}
        for keyword, pool, form in ((date_keyword, dates, forms[0]), (time_keyword, times, forms[1])):
            low, high = sorted(draw(one_of(tuple(pool))) for _ in range(2))
            if keyword == time_keyword and draw(BOOLEANS):
                low, high = low[:4], high[:4]
            keys[keyword] = {"closed": f"{low}-{high}", "from": f"{low}-", "until": f"-{high}"}[form]
        return keys

    return draw_keys()


def judge_scoped_combined(keys: Mapping[str, str], entity: Mapping[str, str], uids: list[str],
                          vrs: Mapping[str, str], date_keyword: str, time_keyword: str, *,
                          optional: Iterable[str] = (), matched_on: Iterable[str] = ()) -> matching_model.EntityJudgement:
    """judge_scoped on an association that agreed combined date-time matching: the date and time keys, when both
    are there, judged together (matching_model.judge_combined_date_time), the others as judge_scoped does."""
    if date_keyword not in keys or time_keyword not in keys:
        return judge_scoped(keys, entity, uids, vrs, optional=optional, matched_on=matched_on)
    rest = {k: v for k, v in keys.items() if k not in (date_keyword, time_keyword)}
    judged = judge_scoped(rest, entity, uids, vrs, optional=optional, matched_on=matched_on)
    pair = matching_model.judge_combined_date_time(keys[date_keyword], keys[time_keyword],
                                                   entity.get(date_keyword, ""), entity.get(time_keyword, ""))
    return matching_model.EntityJudgement(matching_model.both(judged.verdict, pair.verdict),
                                          {**judged.keys, f"{date_keyword}+{time_keyword}": pair})


@dataclass
class Mismatch:
    """An entity the target matched or left out where the text says otherwise. A suite's subclass sets the words."""
    keys: dict[str, str]
    entity: int                    # its index among the seeded entities
    matched: bool
    judgement: matching_model.EntityJudgement

    asked: ClassVar[str] = "query"
    noun: ClassVar[str] = "study"
    # judged keys that are not drawn (the scope): they count only in the query that has nothing else
    scope: ClassVar[tuple[str, ...]] = ("StudyInstanceUID",)
    nothing: ClassVar[str] = ""    # shown for a query without keys

    def judged(self) -> dict[str, matching_model.Judgement]:
        return {k: j for k, j in self.judgement.keys.items() if k not in self.scope or not self.keys}

    def broken(self) -> dict[str, matching_model.Judgement]:
        """The keys that may be the ones the target failed: those that forbid the match it made, or (a required
        match missed) every key."""
        wanted = (matching_model.MUST_NOT,) if self.matched else (matching_model.MUST, matching_model.MAY,
                                                                 matching_model.MUST_NOT)
        return {k: j for k, j in self.judged().items() if j.verdict in wanted}

    def rules(self) -> list[str]:
        """The rules the target broke (the requirement IDs of the model), once each."""
        return list(dict.fromkeys(j.rule for j in self.broken().values()))

    def __str__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.keys.items()) or self.nothing
        answer = "matched" if self.matched else "did not match"
        why = "; ".join(f"{k}: {j}" for k, j in self.judged().items())
        return (f"{self.asked} {{{shown}}}: {self.noun} #{self.entity + 1} {answer}, but the text says it "
                f"{self.judgement.verdict} ({why})")


class Differential:
    """The comparison of a target's answers with the model over seeded entities. A suite's subclass says how to
    ask the target (ask) and how the model judges an entity (judge); mismatch is its Mismatch class."""
    mismatch: ClassVar[type[Mismatch]] = Mismatch
    uid: ClassVar[str] = "StudyInstanceUID"         # the key that names an entity in the target's answers

    def __init__(self, entities: list[dict[str, str]]):
        self.entities = entities
        self._answers: dict[tuple, set[str]] = {}
        self.sent = 0

    def ask(self, keys: dict[str, str], **options) -> set[str]:
        """The UIDs of the seeded entities the target returns for the keys (one request)."""
        raise NotImplementedError

    def judge(self, keys: dict[str, str], index: int) -> matching_model.EntityJudgement:
        raise NotImplementedError

    def answer(self, keys: dict[str, str], **options) -> set[str]:
        cache_key = (tuple(sorted(options.items())), tuple(sorted(keys.items())))
        if cache_key not in self._answers:
            self.sent += 1
            self._answers[cache_key] = self.ask(keys, **options)
        return self._answers[cache_key]

    def mismatches(self, keys: dict[str, str], **options) -> list[Mismatch]:
        found = self.answer(keys, **options)
        wrong = []
        for index, entity in enumerate(self.entities):
            judgement = self.judge(keys, index)
            matched = entity[self.uid] in found
            if not matching_model.allows(judgement, matched):
                wrong.append(self.mismatch(keys, index, matched, judgement))
        return wrong

    def reduced(self, mismatch: Mismatch) -> Mismatch:
        """The fewest keys (dropped one at a time, one request each) that still show a mismatch for the entity."""
        keys = dict(mismatch.keys)
        for keyword in list(keys):
            if len(keys) == 1:
                break
            fewer = {k: v for k, v in keys.items() if k != keyword}
            same = [m for m in self.mismatches(fewer) if m.entity == mismatch.entity]
            if same:
                keys, mismatch = fewer, same[0]
        return mismatch


@dataclass
class Outcome:
    seed: int
    explicit: int                               # the set queries
    sent: int                                   # requests, the reductions' included
    found: list[Mismatch]                       # every answer outside what the text allows, as drawn
    explained: list[tuple[Mismatch, str]]       # reduced, with the declared deviation(s) that explain it
    broken: list[Mismatch]                      # reduced, failing the test

    def summary(self, asked: str = "queries", sent: str = "C-FINDs sent", noun: str = "study") -> str:
        return (f"hypothesis seed {self.seed}: {self.explicit} explicit {asked} and {SETTINGS.max_examples} drawn, "
                f"{self.sent} {sent}, {len(self.found)} {noun} answer(s) outside what the text allows")

    def record(self, evidence, summary: str, *, broken: bool = False) -> None:
        """The summary, each explained mismatch and (broken) each failing one, in the evidence."""
        evidence.add("#", summary)
        for m, why in self.explained:
            evidence.add("#", f"explained by a declared deviation ({why}): {m}")
        for m in self.broken if broken else ():
            evidence.add("#", f"not allowed [rule: {', '.join(m.rules())}]: {m}")

    def examples(self) -> str:
        """The first three failing mismatches, for the assertion's message."""
        return " | ".join(f"{m} [rule: {', '.join(m.rules())}]" for m in self.broken[:3])


def run(differential: Differential, queries, explicit: list[dict[str, str]], seed_value: int,
        deviations: Iterable[str], explain: Callable[[Mismatch], str | None] | None = None) -> Outcome:
    """The explicit queries, then the drawn ones (the strategy queries), each compared with the model; every
    mismatch reduced, the same ones once. A reduced mismatch whose rules are all declared deviations is explained;
    so is one for which explain (asked only then) gives a reason; any other is broken."""
    found: list[Mismatch] = []

    def compare(keys):
        found.extend(differential.mismatches(keys))

    test = given(queries)(compare)
    for keys in reversed(explicit):
        test = example(keys)(test)
    seed(seed_value)(SETTINGS(test))()
    reduced = list({str(m): m for m in (differential.reduced(m) for m in found)}.values())
    declared = set(deviations)
    explained, broken = [], []
    for m in reduced:
        if set(m.rules()) <= declared:
            explained.append((m, ", ".join(m.rules())))
        elif explain is not None and (why := explain(m)):
            explained.append((m, why))
        else:
            broken.append(m)
    return Outcome(seed_value, len(explicit), differential.sent, found, explained, broken)
