"""What a batch run stores of each household with a hit, straight from the compiled screening's Arrow rows:
category, codes, risk types, explanations and score, rule by rule over columns (no ``Screening`` per household),
as the JSON text the database keeps. The same decisions as ``rules.screening.conclude`` and
``Screening.score`` (a test holds them equal to ``from_batch_row``). No Django here.

Explanations (text in two languages, the costly part) are written for the households at risk alone: at 10M
members of the synthetic population four in ten households have some hit, one in fourteen is at risk. The
others' are built when viewed (``engine.why``). Each row has a digest of what it holds (``digest``): a run
writes only the rows whose digest differs from the one stored (``engine.services._write``).
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
    equal rows (what a run compares with the stored digests to write only the rows that changed)."""

    ids: np.ndarray  # int64, as the hits (sorted by household)
    category: list[int | None]
    codes: list[str]
    risk_types: list[str]
    explanations: list[str]
    score: list[int]
    at_risk: list[bool]
    digest: np.ndarray  # int64

    def rows(self, positions: np.ndarray | None = None) -> Iterator[Held]:
        """The rows at ``positions`` (every row: None) as stored."""
        chosen = range(len(self.ids)) if positions is None else positions.tolist()
        for i in chosen:
            yield (
                int(self.ids[i]),
                self.category[i],
                self.codes[i],
                self.risk_types[i],
                self.explanations[i],
                self.score[i],
                self.at_risk[i],
                int(self.digest[i]),
            )


def digest(
    category: int | None, codes: str, risk_types: str, explanations: str, score: int, at_risk: bool
) -> int:
    """A signed 64-bit digest of what is held of one household (as stored: the lists as JSON text)."""
    text = "\x1f".join((str(category), codes, risk_types, explanations, str(score), str(int(at_risk))))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


NOTHING_DIGEST = digest(None, *NOTHING_JSON, 0, False)


def held(table: pa.Table, rules: tuple[Rule, ...] = RULES) -> HeldRows:
    """Every row of a (bounded) slice of the compiled screening's hits as what is stored: codes and risk types
    as bit masks over columns, explanations (text) for the rows at risk alone."""
    n = table.num_rows
    flags = {rule.code: _flags(table, rule) for rule in rules}
    category, at_risk, score = categories(table, rules, flags)
    risk_names = sorted({"other", *(r for rule in rules for r in (*rule.risk_types, *rule.risk_when))})
    bit = {name: np.int64(1) << i for i, name in enumerate(risk_names)}
    codes = np.zeros(n, np.int64)
    risks = np.zeros(n, np.int64)
    texts: dict[int, dict[str, list[str]]] = {}  # the rows at risk alone: their explanations by language
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
        explained = np.flatnonzero(flagged & at_risk).tolist()
        if not explained:
            continue
        taken = table.take(pa.array(explained, pa.int64()))
        values = {name: taken.column(value_column(rule, name)).to_pylist() for name in rule.shows}
        for i, row in enumerate(explained):
            shown = {name: column[i] for name, column in values.items()}
            said = texts.setdefault(row, {lang: [] for lang in LANGUAGES})
            for lang in LANGUAGES:
                said[lang].append(explain(rule, shown, lang))
    risks = np.where(at_risk & (risks == 0), bit["other"], risks)
    nothing = NOTHING_JSON[2]
    empty: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    risky = at_risk.tolist()
    rows = HeldRows(
        ids=np.asarray(table.column("household_id").to_numpy(zero_copy_only=False), np.int64),
        category=[c or None for c in category.tolist()],
        codes=_labels(codes, [rule.code for rule in rules]),
        risk_types=_labels(risks, risk_names),
        explanations=[json.dumps(texts.get(row, empty)) if at else nothing for row, at in enumerate(risky)],
        score=score.tolist(),
        at_risk=risky,
        digest=np.zeros(n, np.int64),
    )
    # The rows not at risk (most) hold no explanations: their digest is one per distinct codes, risk types and
    # score, computed once; the rows at risk have one each.
    quiet = np.flatnonzero(~at_risk)
    if len(quiet):
        key = np.stack([codes[quiet], risks[quiet], score[quiet]], axis=1)
        _distinct, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
        spelt = [_digest_of(rows, int(quiet[i])) for i in first]
        rows.digest[quiet] = np.asarray(spelt, np.int64)[inverse.reshape(-1)]
    for i in np.flatnonzero(at_risk).tolist():
        rows.digest[i] = _digest_of(rows, i)
    return rows


def _digest_of(rows: HeldRows, i: int) -> int:
    return digest(
        rows.category[i],
        rows.codes[i],
        rows.risk_types[i],
        rows.explanations[i],
        rows.score[i],
        rows.at_risk[i],
    )
