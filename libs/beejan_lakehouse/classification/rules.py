"""Rule engine: compiled high-precision patterns from conf/classifier/rules.yaml.

A rule fires on a text when any of its `any` patterns, all of its `all` patterns and none
of its `none` patterns match the normalised text; the highest-priority firing rule decides.
Rules with scope "head" (the default) only see the text before the first secondary-issue
marker ("... also", "plus", ...), because customers lead with their main complaint.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import ahocorasick
import numpy as np
import yaml

from beejan_lakehouse.classification.normalise import normalise_texts
from beejan_lakehouse.classification.rule_gates import Gate, pattern_gate, pattern_gates, union_gate
from beejan_lakehouse.classification.taxonomy import Taxonomy


class RuleConfigError(ValueError):
    """rules.yaml is malformed: a bad regex, an unknown label or a missing field."""


@dataclass(frozen=True)
class Rule:
    """One compiled rule; `any_re`/`none_re` are single alternations for speed."""

    rule_id: str
    l2: str
    priority: int
    any_re: re.Pattern[str] | None
    all_res: tuple[re.Pattern[str], ...]
    none_re: re.Pattern[str] | None
    head_only: bool = True
    # Literal pre-filters derived from the patterns (rule_gates.py); None = always try.
    gates: tuple[Gate, ...] = ()
    # The `any` patterns one by one with each one's own gates (all must pass; () = none): with
    # a text's literal scan at hand, only the patterns whose literals occur are searched.
    any_parts: tuple[tuple[tuple[Gate, ...], re.Pattern[str]], ...] = ()

    def fires(self, text: str) -> bool:
        """True when the rule matches the (already normalised) `text`."""
        return (
            self.gates_pass(text)
            and (self.any_re is None or self.any_re.search(text) is not None)
            and self.all_and_none_hold(text)
        )

    def gates_pass(self, text: str) -> bool:
        """Every gate has a literal in `text` (else the rule cannot fire there)."""
        return all(any(literal in text for literal in gate) for gate in self.gates)

    def all_and_none_hold(self, text: str) -> bool:
        """Every `all` pattern matches `text` and the `none` pattern does not."""
        return all(p.search(text) is not None for p in self.all_res) and (
            self.none_re is None or self.none_re.search(text) is None
        )


@dataclass(frozen=True)
class RuleMatches:
    """Per-text result of a rule pass; None / "" / 0 where no rule fired."""

    l2: np.ndarray  # object array of str | None
    rule_id: np.ndarray  # object array of str | None
    priority: np.ndarray  # int array, 0 when no rule fired

    @property
    def fired(self) -> np.ndarray:
        """Boolean mask of texts on which a rule fired."""
        return self.priority > 0


def _alternation(patterns: Sequence[str], rule_id: str) -> re.Pattern[str] | None:
    if not patterns:
        return None
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise RuleConfigError(f"rule {rule_id!r}: bad regex {pattern!r}: {exc}") from exc
    return re.compile("|".join(f"(?:{p})" for p in patterns))


class RuleSet:
    """Ordered, compiled rules; call `match` on raw texts or `match_normalised` on clean ones."""

    def __init__(
        self,
        rules: Sequence[Rule],
        secondary_re: re.Pattern[str] | None = None,
        head_min_chars: int = 12,
    ) -> None:
        # Highest priority first; sorted() is stable, so file order breaks ties.
        self.rules: tuple[Rule, ...] = tuple(sorted(rules, key=lambda r: -r.priority))
        self.secondary_re = secondary_re
        self.head_min_chars = head_min_chars
        self._build_literal_scan()

    def _build_literal_scan(self) -> None:
        """An Aho-Corasick automaton (pyahocorasick) over every gate literal, so a text pays one
        C-level pass reporting every literal it contains, instead of a Python `in` per literal
        per rule (or a regex trying the literals at every position: ~4x slower). Each literal
        maps to the bits of the gates it belongs to; a text's mask is the OR over what it holds.
        """
        gates = [g for rule in self.rules for g in rule.gates]
        gates += [g for rule in self.rules for part_gates, _ in rule.any_parts for g in part_gates]
        self._literals: ahocorasick.Automaton | None = None
        # The secondary markers' gate bit; None (no markers, or markers without a provable gate,
        # or no literal scan at all): the head is always searched for.
        self._secondary_bit: int | None = None
        if not gates:
            return
        # The secondary markers' gate too: a text holding none of its literals is its own head.
        secondary = None if self.secondary_re is None else pattern_gate(self.secondary_re.pattern)
        scanned = [*gates, secondary] if secondary else gates
        literals = sorted({lit for g in scanned for lit in g})
        bits = {g: 1 << i for i, g in enumerate(dict.fromkeys(scanned))}
        self._literals = ahocorasick.Automaton()
        for literal in literals:
            self._literals.add_word(literal, sum(bit for g, bit in bits.items() if literal in g))
        self._literals.make_automaton()
        self._rule_masks = tuple(sum({bits[g] for g in rule.gates}) for rule in self.rules)
        self._rule_bits = sum({bits[g] for rule in self.rules for g in rule.gates})
        self._secondary_bit = bits[secondary] if secondary else None
        # Per rule, its `any` patterns as (bits of the gates it needs, pattern).
        self._any_parts = tuple(
            tuple((sum({bits[g] for g in part_gates}), p) for part_gates, p in rule.any_parts) for rule in self.rules
        )

    def head(self, normalised_text: str) -> str:
        """The text before the first secondary-issue marker (at or after head_min_chars)."""
        if self.secondary_re is None:
            return normalised_text
        marker = self.secondary_re.search(normalised_text, self.head_min_chars)
        return normalised_text if marker is None else normalised_text[: marker.start()]

    @classmethod
    def from_yaml(cls, path: str | Path, taxonomy: Taxonomy) -> RuleSet:
        """Compile rules.yaml; raise RuleConfigError naming the offending rule."""
        with open(path, encoding="utf-8") as fh:
            raw = yaml.safe_load(fh) or {}
        return cls.from_dicts(
            raw.get("rules") or [],
            taxonomy,
            secondary_markers=raw.get("secondary_markers") or [],
            head_min_chars=int(raw.get("head_min_chars", 12)),
        )

    @classmethod
    def from_dicts(
        cls,
        items: Iterable[dict],
        taxonomy: Taxonomy,
        secondary_markers: Sequence[str] = (),
        head_min_chars: int = 12,
    ) -> RuleSet:
        """Compile rules given as dicts with id, l2, priority, scope, any/all/none patterns."""
        rules: list[Rule] = []
        seen: set[str] = set()
        for item in items:
            rule_id = str(item.get("id") or "")
            if not rule_id or rule_id in seen:
                raise RuleConfigError(f"rule id missing or duplicated: {rule_id!r}")
            seen.add(rule_id)
            l2 = item.get("l2")
            if l2 not in taxonomy.l2_labels:
                raise RuleConfigError(f"rule {rule_id!r}: l2 {l2!r} not in the taxonomy")
            priority = int(item.get("priority", 0))
            if priority <= 0:
                raise RuleConfigError(f"rule {rule_id!r}: priority must be a positive integer")
            any_p, all_p = list(item.get("any") or []), list(item.get("all") or [])
            if not any_p and not all_p:
                raise RuleConfigError(f"rule {rule_id!r}: needs 'any' or 'all' patterns")
            all_res = tuple(_alternation([p], rule_id) for p in all_p)
            scope = item.get("scope", "head")
            if scope not in ("head", "full"):
                raise RuleConfigError(f"rule {rule_id!r}: scope must be 'head' or 'full'")
            rules.append(
                Rule(
                    rule_id=rule_id,
                    l2=str(l2),
                    priority=priority,
                    any_re=_alternation(any_p, rule_id),
                    any_parts=tuple((pattern_gates(p), re.compile(p)) for p in any_p),
                    all_res=all_res,  # type: ignore[arg-type]
                    none_re=_alternation(list(item.get("none") or []), rule_id),
                    head_only=scope == "head",
                    gates=tuple(
                        g
                        for g in [union_gate(any_p) if any_p else None] + [pattern_gate(p) for p in all_p]
                        if g is not None
                    ),
                )
            )
        return cls(rules, _alternation(list(secondary_markers), "secondary_markers"), head_min_chars)

    def match_one(self, normalised_text: str) -> Rule | None:
        """Return the winning rule for one normalised text, or None."""
        head = self.head(normalised_text)
        for rule in self.rules:
            if rule.fires(head if rule.head_only else normalised_text):
                return rule
        return None

    def _candidates(self, texts: Sequence[str]) -> list[tuple[int, tuple[tuple[Rule, int, tuple], ...]]] | None:
        """Per text, its literal mask and the rules whose gates pass on the WHOLE text (a
        superset of those passing on its head), each with its gates' bits and its `any` parts;
        None without gates."""
        if self._literals is None:
            return None
        rules, required, parts, rule_bits = self.rules, self._rule_masks, self._any_parts, self._rule_bits
        memo: dict[int, tuple[tuple[Rule, int, tuple], ...]] = {}
        out = []
        for text in texts:
            mask = self._mask(text)
            key = mask & rule_bits
            cands = memo.get(key)
            if cands is None:
                cands = memo[key] = tuple(
                    (r, req, p) for r, req, p in zip(rules, required, parts, strict=True) if key & req == req
                )
            out.append((mask, cands))
        return out

    def match_normalised(self, texts: Sequence[str]) -> RuleMatches:
        """Match already-normalised texts (see normalise.normalise_text)."""
        texts = list(texts)
        n = len(texts)
        l2 = np.full(n, None, dtype=object)
        rule_id = np.full(n, None, dtype=object)
        priority = np.zeros(n, dtype=np.int64)
        candidates = self._candidates(texts)
        marker_bit = self._secondary_bit
        for i, text in enumerate(texts):
            if candidates is None:
                rule = self.match_one(text)
            else:
                mask, cands = candidates[i]
                if not cands:
                    continue  # no rule's gate passes anywhere in the text: none can fire
                rule = None
                head = self.head(text) if marker_bit is None or mask & marker_bit else text
                # The head's own literals: a head-scoped rule's gates and parts are checked there.
                head_mask = mask if len(head) == len(text) else self._mask(head)
                for cand, required, parts in cands:  # priority order
                    scoped, scoped_mask = (head, head_mask) if cand.head_only else (text, mask)
                    if scoped_mask & required == required and _fires(cand, scoped, parts, scoped_mask):
                        rule = cand
                        break
            if rule is not None:
                l2[i], rule_id[i], priority[i] = rule.l2, rule.rule_id, rule.priority
        return RuleMatches(l2=l2, rule_id=rule_id, priority=priority)

    def _mask(self, text: str) -> int:
        """The bits of every gate with a literal in `text` (the literal scan must exist)."""
        mask = 0
        for _, bits in self._literals.iter(text):  # type: ignore[union-attr]
            mask |= bits
        return mask

    def match(self, texts: Iterable[object]) -> RuleMatches:
        """Normalise raw texts (list, Series or array) and match them."""
        return self.match_normalised(normalise_texts(texts))


def _fires(rule: Rule, text: str, any_parts: tuple[tuple[int, re.Pattern[str]], ...], mask: int) -> bool:
    """`rule.fires(text)` given `text`'s literal mask, on which the rule's gates passed: of its
    `any` patterns only those whose own gates all pass are searched."""
    if any_parts:
        if not any(mask & need == need and pattern.search(text) is not None for need, pattern in any_parts):
            return False
    elif rule.any_re is not None and rule.any_re.search(text) is None:
        return False
    return rule.all_and_none_hold(text)
