"""Literal pre-filters ("gates") derived from rule regexes, so most rules skip the regex.

For a pattern we derive a set of literal strings such that every match must contain one
of them (e.g. '\\b(slow|buffer\\w*)' -> {"slow", "buffer"}). A rule whose gate finds none
of its literals in a text cannot fire there, and `str in str` costs ~50 ns against several
microseconds for the regex. Derivation is conservative: when in doubt, no gate (None).
"""

from __future__ import annotations

from re import _constants as c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]

Gate = frozenset[str]
_MIN_LITERAL = 2  # one-character gates would pass almost every text


def _strength(gate: Gate) -> int:
    return min(len(s) for s in gate)


def _sequence_gate(items) -> Gate | None:
    usable = _sequence_gates(items)
    return max(usable, key=_strength) if usable else None


def _sequence_gates(items) -> list[Gate]:
    """Every usable gate of a sequence: each one holds on its own (a conjunction)."""
    candidates: list[Gate] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            candidates.append(frozenset(["".join(run)]))
            run.clear()

    for op, av in items:
        if op is c.LITERAL:
            run.append(chr(av))
            continue
        flush()
        gate: Gate | None = None
        if op is c.SUBPATTERN:
            gate = _sequence_gate(av[-1])
        elif op is c.BRANCH:
            alternatives = [_sequence_gate(alt) for alt in av[1]]
            if all(alt is not None for alt in alternatives):
                gate = frozenset().union(*alternatives)  # type: ignore[arg-type]
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _high, body = av
            gate = _sequence_gate(body) if low >= 1 else None
        if gate:
            candidates.append(gate)
    flush()
    return [g for g in candidates if _strength(g) >= _MIN_LITERAL]


def pattern_gate(pattern: str) -> Gate | None:
    """Literals one of which every match of `pattern` contains, or None if none can be proven."""
    return _sequence_gate(_parser.parse(pattern))


def pattern_gates(pattern: str) -> tuple[Gate, ...]:
    """Every gate of `pattern`'s top-level sequence: each match contains a literal of EACH
    (e.g. '(inside|basement).{0,60}(signal|network)' -> both sets); () if none is proven."""
    return tuple(dict.fromkeys(_sequence_gates(_parser.parse(pattern))))


def union_gate(patterns: list[str]) -> Gate | None:
    """Gate for "any of these patterns": the union, or None if one pattern has no gate."""
    gates = [pattern_gate(p) for p in patterns]
    if not gates or any(g is None for g in gates):
        return None
    return frozenset().union(*gates)  # type: ignore[arg-type]


def passes(gate: Gate | None, text: str) -> bool:
    """True when the gate is absent or one of its literals occurs in `text`."""
    return gate is None or any(literal in text for literal in gate)
