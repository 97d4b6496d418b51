"""What a batch run stores of each household with a hit, straight from the compiled screening's Arrow rows:
category, codes, risk types, explanations and score, rule by rule over columns (no ``Screening`` per household),
as the JSON text the database keeps. The same decisions as ``rules.screening.conclude`` and
``Screening.score`` (a test holds them equal to ``from_batch_row``). No Django here.

Explanations (text in two languages, the costly part) are written for the households at risk alone: at 10M
members of the synthetic population four in ten households have some hit, one in fourteen is at risk. The
others' are built when viewed (``engine.why``). Each row has a digest of what it holds (``digest``): a run
writes only the rows whose digest differs from the one stored (``engine.services._write``). A row at risk is
digested from what its explanations are made of (the values each rule that holds shows, and the rules'
templates), not from their text: the text is built for the rows that changed alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bottomline.rules.catalog import RULES, Rule, explain
from bottomline.rules.screening import cause_column, flag_column, value_column

READY = "ready_for_elimination"
LANGUAGES = ("en", "zh")
# One row of what is held: (household_id, category, codes, risk_types, explanations, score, at_risk, digest), the
# three lists as JSON text.
Held = tuple[int, int | None, str, str, str, int, bool, int]
NOTHING_JSON = ("[]", "[]", json.dumps({"en": [], "zh": []}))


def _flags(table: pa.Table, rule: Rule) -> np.ndarray:
    return np.asarray(
        pc.fill_null(table.column(flag_column(rule)), False).to_numpy(zero_copy_only=False), bool
    )


def categories(
    table: pa.Table, rules: tuple[Rule, ...] = RULES, flags: dict[str, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the category (0 for none), whether one is suggested, and the score (as ``Screening.score``);
    ``flags``: each rule's flags by code, when the caller has read them already."""
    n = table.num_rows
    none = np.zeros(n, dtype=bool)
    flags = flags if flags is not None else {r.code: _flags(table, r) for r in rules}
    below = flags.get("income_below_line", none)
    sudden = np.logical_or.reduce([flags[r.code] for r in rules if r.category == 3] or [none])
    other = np.logical_or.reduce(
        [flags[r.code] for r in rules if r.suggests_category and r.code != READY] or [none]
    )
    lifted = np.asarray(pc.fill_null(pc.equal(table.column("household_type"), "lifted"), False), dtype=bool)
    by_type = np.where(lifted, 1, 2)
    category = np.where(below, by_type, np.where(sudden, 3, np.where(other, by_type, 0))).astype(np.int64)
    held = np.sum([flags[r.code] for r in rules if r.code != READY] or [np.zeros(n, np.int64)], axis=0)
    base = np.where(category == 0, 20, np.where(category == 3, 60, 40))
    score = np.where(held > 0, np.minimum(100, base + 10 * held), 0).astype(np.int64)
    return category, category > 0, score


def _names(names: list[str]) -> str:
    """A list of identifiers (ASCII letters and underscores) as ``json.dumps`` writes it, without its cost."""
    return "[" + ", ".join(f'"{name}"' for name in names) + "]"


def _labels(masks: np.ndarray, names: list[str]) -> list[str]:
    """Each row's bit mask over ``names`` as the JSON list of the names whose bits are set (in ``names``'
    order): each distinct mask is spelt once, as there are few (a row of text each would be the costly part)."""
    distinct, inverse = np.unique(masks, return_inverse=True)
    spelt = [_names([name for bit, name in enumerate(names) if int(mask) >> bit & 1]) for mask in distinct]
    return np.asarray(spelt, dtype=object)[inverse].tolist()  # type: ignore[no-any-return]


@dataclass(frozen=True)
class HeldRows:
    """What is held of each row of a slice of hits, column by column, with each row's digest: equal digests,
    equal rows (what a run compares with the stored digests to write only the rows that changed). The rows'
    explanations are built when asked for (``rows``)."""

    table: pa.Table  # the slice of hits
    rules: tuple[Rule, ...]
    ids: np.ndarray  # int64, as the hits (sorted by household)
    category: list[int | None]
    codes: list[str]
    risk_types: list[str]
    score: list[int]
    at_risk: np.ndarray  # bool
    digest: np.ndarray  # int64

    def rows(self, positions: np.ndarray | None = None) -> Iterator[Held]:
        """The rows at ``positions`` (every row: None) as stored, their explanations built now."""
        chosen = np.arange(len(self.ids)) if positions is None else np.asarray(positions, np.int64)
        texts = self.explanations(chosen)
        for i, said in zip(chosen.tolist(), texts, strict=True):
            yield (
                int(self.ids[i]),
                self.category[i],
                self.codes[i],
                self.risk_types[i],
                said,
                self.score[i],
                bool(self.at_risk[i]),
                int(self.digest[i]),
            )

    def explanations(self, positions: np.ndarray) -> list[str]:
        """The explanations (JSON text) of the rows at ``positions``: the rows at risk say, in each language, why
        each rule that holds holds; the others hold none."""
        risky = positions[self.at_risk[positions]]
        texts: dict[int, dict[str, list[str]]] = {int(i): {lang: [] for lang in LANGUAGES} for i in risky}
        if len(risky):
            taken = self.table.take(pa.array(risky, pa.int64()))
            for rule in self.rules:
                flagged = np.flatnonzero(_flags(taken, rule))
                if not len(flagged):
                    continue
                values = {
                    name: taken.column(value_column(rule, name)).take(pa.array(flagged)).to_pylist()
                    for name in rule.shows
                }
                for k, row in enumerate(risky[flagged].tolist()):
                    shown = {name: column[k] for name, column in values.items()}
                    for lang in LANGUAGES:
                        texts[row][lang].append(explain(rule, shown, lang))
        nothing = NOTHING_JSON[2]
        return [json.dumps(texts[i]) if i in texts else nothing for i in positions.tolist()]


def digest(
    category: int | None, codes: str, risk_types: str, explanations: str, score: int, at_risk: bool
) -> int:
    """A signed 64-bit digest of what is held of one household (as stored: the lists as JSON text; for a row at
    risk, ``explanations`` is what they are built from: ``templates`` and, mixed in by ``held``, the values)."""
    text = "\x1f".join((str(category), codes, risk_types, explanations, str(score), str(int(at_risk))))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


NOTHING_DIGEST = digest(None, *NOTHING_JSON, 0, False)


def templates(rules: tuple[Rule, ...]) -> str:
    """The explanations' wording of every rule, digested: rewording a rule rewrites the rows it explains."""
    said = json.dumps([(rule.code, rule.explain) for rule in rules], sort_keys=True, ensure_ascii=False)
    return hashlib.blake2b(said.encode(), digest_size=8).hexdigest()


def held(table: pa.Table, rules: tuple[Rule, ...] = RULES) -> HeldRows:
    """Every row of a (bounded) slice of the compiled screening's hits as what is stored: codes and risk types
    as bit masks over columns, and a digest of each row (explanations are built when asked for)."""
    n = table.num_rows
    flags = {rule.code: _flags(table, rule) for rule in rules}
    category, at_risk, score = categories(table, rules, flags)
    risk_names = sorted({"other", *(r for rule in rules for r in (*rule.risk_types, *rule.risk_when))})
    bit = {name: np.int64(1) << i for i, name in enumerate(risk_names)}
    codes = np.zeros(n, np.int64)
    risks = np.zeros(n, np.int64)
    for number, rule in enumerate(rules):
        flagged = flags[rule.code]
        codes |= flagged.astype(np.int64) << number
        if rule.code != READY:
            for risk in rule.risk_types:
                risks |= np.where(flagged, bit[risk], 0)
            for risk in rule.risk_when:
                holds = np.asarray(
                    pc.fill_null(table.column(cause_column(rule, risk)), False).to_numpy(
                        zero_copy_only=False
                    ),
                    bool,
                )
                risks |= np.where(flagged & holds, bit[risk], 0)
    risks = np.where(at_risk & (risks == 0), bit["other"], risks)
    rows = HeldRows(
        table=table,
        rules=rules,
        ids=np.asarray(table.column("household_id").to_numpy(zero_copy_only=False), np.int64),
        category=[c or None for c in category.tolist()],
        codes=_labels(codes, [rule.code for rule in rules]),
        risk_types=_labels(risks, risk_names),
        score=score.tolist(),
        at_risk=at_risk,
        digest=np.zeros(n, np.int64),
    )
    if not n:
        return rows
    # One digest per distinct category, codes, risk types and score (a few dozen), computed once; a row at risk
    # then has the values its explanations show mixed in.
    if len(rules) > 20 or len(risk_names) > 20:  # codes and risk types are bits of one 64-bit key
        raise ValueError("more than 20 rules or risk types: widen held()'s key")
    key = codes | risks << 20 | score.astype(np.int64) << 40 | category.astype(np.int64) << 48
    _distinct, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    worded, nothing = templates(rules), NOTHING_JSON[2]
    spelt = [
        digest(
            rows.category[i],
            rows.codes[i],
            rows.risk_types[i],
            worded if at_risk[i] else nothing,
            rows.score[i],
            bool(at_risk[i]),
        )
        for i in first.tolist()
    ]
    rows.digest[:] = np.asarray(spelt, np.int64)[inverse.reshape(-1)]
    risky = np.flatnonzero(at_risk)
    if len(risky):
        shown = _shown(table.take(pa.array(risky, pa.int64())), rules, flags, risky)
        rows.digest[risky] = _mix(rows.digest[risky].view(np.uint64), shown).view(np.int64)
    return rows


# 64-bit mixing of words (splitmix64's finaliser): a digest of many columns without a Python object per row.
_M1, _M2, _GOLDEN = (
    np.uint64(0xBF58476D1CE4E5B9),
    np.uint64(0x94D049BB133111EB),
    np.uint64(0x9E3779B97F4A7C15),
)
_NULL_WORD, _NOT_SHOWN = np.uint64(0x6E756C6C), np.uint64(0x2D2D2D2D)


def _spread(words: np.ndarray) -> np.ndarray:
    z = words + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _mix(digests: np.ndarray, words: np.ndarray) -> np.ndarray:
    return _spread(digests ^ _spread(words))


def _words(column: pa.ChunkedArray) -> np.ndarray:
    """A column as one 64-bit word per row (a number's bits, a text's digest), null as a word of its own."""
    kind = column.type
    null = np.asarray(pc.is_null(column).to_numpy(zero_copy_only=False), bool)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        encoded = pc.dictionary_encode(column).combine_chunks()
        spelt = [
            int.from_bytes(hashlib.blake2b(str(text).encode(), digest_size=8).digest(), "big")
            for text in encoded.dictionary.to_pylist()
        ]
        index = np.asarray(pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False), np.int64)
        words = np.asarray(spelt or [0], np.uint64)[index]
    elif pa.types.is_floating(kind):
        values = np.asarray(pc.fill_null(column.cast(pa.float64()), 0.0).to_numpy(), np.float64) + 0.0
        words = values.view(np.uint64)  # + 0.0: -0.0 as 0.0
    else:
        words = np.asarray(pc.fill_null(column.cast(pa.int64()), 0).to_numpy(), np.int64).view(np.uint64)
    return np.where(null, _NULL_WORD, words)


def _shown(
    taken: pa.Table, rules: tuple[Rule, ...], flags: dict[str, np.ndarray], rows: np.ndarray
) -> np.ndarray:
    """Per row of ``taken`` (the ``rows`` of the slice), a 64-bit word of the values its explanations show:
    those of each rule that holds (a rule that does not hold shows nothing)."""
    mixed = np.zeros(taken.num_rows, np.uint64)
    for number, rule in enumerate(rules):
        holds = flags[rule.code][rows]
        for name in sorted(rule.shows):
            words = _words(taken.column(value_column(rule, name)))
            salt = np.uint64(number * 64 + sorted(rule.shows).index(name) + 1)
            mixed = _mix(mixed, np.where(holds, words ^ salt, _NOT_SHOWN))
    return mixed
