"""The business rules in conf/classifier/rules.yaml: fire on their patterns, not on near-misses."""

from __future__ import annotations

import pytest

from beejan_lakehouse.classification.normalise import normalise_text, normalise_texts
from beejan_lakehouse.classification.rules import RuleConfigError, RuleSet
from beejan_lakehouse.classification.settings import load_settings
from beejan_lakehouse.classification.taxonomy import TaxonomyError, load_taxonomy


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(load_settings().taxonomy_path)


@pytest.fixture(scope="module")
def rules(taxonomy) -> RuleSet:
    return RuleSet.from_yaml(load_settings().rules_path, taxonomy)


FIRES = [
    # Coverage
    ("I have to climb the water tank before my phone catch network", "Coverage"),
    ("no signal inside my house in Lekki, I go outside to call", "Coverage"),
    ("Our new estate has no mast, abeg install a mast for Sangotedo", "Coverage"),
    ("DEAD ZONE in my bedroom, only 1 bar by the window", "Coverage"),
    # Speed
    ("YouTube dey buffer every 5 seconds, Beejan abeg", "Speed"),
    ("data sloooow since i renew", "Speed"),
    ("phone shows E but nothing loads", "Speed"),
    ("full bars LTE but pages no dey load", "Speed"),
    # Outage
    ("no network since morning for Ikeja, everything don go", "Outage"),
    ("NETWORK DOWN in the whole of Wuse since 6am", "Outage"),
    ("beejan network don die for our side", "Outage"),
    ("the mast near my house was vandalised, no service", "Outage"),
    # Overcharge
    ("una debit me twice for the same recharge", "Overcharge"),
    ("Who subscribed me to caller tune? N150 every week", "Overcharge"),
    ("una dey thief my airtime, e dey finish by itself", "Overcharge"),
    ("una don chop my credit again", "Overcharge"),
    ("Iâ€™m charged N700 instead of N500 for the bundle", "Overcharge"),
    # Refund
    ("abeg reverse my money, recharge no enter", "Refund"),
    ("I want my money back", "Refund"),
    ("make una return my money", "Refund"),
    ("pls refnd my 1k", "Refund"),
    ("recharge failed but my account was debited", "Refund"),
    ("â‚¦2,000 debited for a failed transfer, still waiting for reversal of it", "Refund"),
    # Agent experience
    ("your customer care agent was so rude, she hung up on me", "Agent experience"),
    ("I was put on hold for 45 minutes", "Agent experience"),
    ("customer care no dey pick my call since morning", "Agent experience"),
    ("they promised to call me back, nobody ever called", "Agent experience"),
    ("transferred me from one agent to another, nobody helped", "Agent experience"),
    ("my ticket has been closed without any resolution", "Agent experience"),
]

NEAR_MISSES = [
    # "slow" about people, not data
    ("customer care is so slow to respond to my complaint", "Speed"),
    # refund explicitly declined
    ("I don't want a refund, just fix the network", "Refund"),
    ("no need for refund o, make una just restore am", "Refund"),
    # agent note: disputed deduction, the refund is the agent's remedy
    ("Cx disputes N500 deduction, found VAS sub, deactivated, refund req", "Refund"),
    # time-bound loss is an outage, not a coverage problem
    ("no signal in my house since this morning", "Coverage"),
    # the app being down is not the network
    ("your app is down, I can't check my balance", "Outage"),
    # the customer turned data off themselves
    ("my data is off but airtime keeps reducing", "Outage"),
    # failed calls are not failed transactions
    ("I was charged for failed calls that dropped", "Refund"),
    # a secondary complaint after "also" does not decide the label
    ("my data is very slow in Yaba. also nobody called me back", "Agent experience"),
    ("network no dey my room at all... and I still never get refund from last time", "Refund"),
]


# (text, the rule that fires): what follows the first secondary marker never decides.
HEAD_SCOPE = [
    ("my data is very slow in Yaba. also nobody called me back", "speed_slow_buffering"),
    ("hello beejan, thanks for the update. also una debit me twice", None),
    ("hello beejan please help... I want my money back", None),
    ("una debit me twice and also I want my money back", "overcharge_double_debit"),
]


@pytest.mark.parametrize(("text", "expected"), FIRES)
def test_rule_fires_on_its_pattern(rules: RuleSet, text: str, expected: str) -> None:
    rule = rules.match_one(normalise_text(text))
    assert rule is not None, f"no rule fired on {text!r}"
    assert rule.l2 == expected, f"{rule.rule_id} fired on {text!r}"


@pytest.mark.parametrize(("text", "wrong"), NEAR_MISSES)
def test_rule_does_not_fire_on_near_miss(rules: RuleSet, text: str, wrong: str) -> None:
    rule = rules.match_one(normalise_text(text))
    assert rule is None or rule.l2 != wrong, f"{rule and rule.rule_id} fired on {text!r}"


def test_vectorised_match_aligns_with_inputs(rules: RuleSet) -> None:
    matches = rules.match(["una debit me twice", "hello beejan", None, "I want my money back"])
    assert list(matches.l2) == ["Overcharge", None, None, "Refund"]
    assert list(matches.fired) == [True, False, False, True]
    assert matches.rule_id[0] == "overcharge_double_debit"


def test_higher_priority_rule_wins(taxonomy) -> None:
    rules = RuleSet.from_dicts(
        [
            {"id": "low", "l2": "Speed", "priority": 10, "any": ["slow"]},
            {"id": "high", "l2": "Refund", "priority": 20, "any": ["refund"]},
        ],
        taxonomy,
    )
    assert rules.match_one("slow data, refund me").rule_id == "high"


def test_rule_with_unknown_label_is_rejected(taxonomy) -> None:
    with pytest.raises(RuleConfigError, match="not in the taxonomy"):
        RuleSet.from_dicts([{"id": "x", "l2": "Weather", "priority": 1, "any": ["rain"]}], taxonomy)


def test_rule_with_bad_regex_names_the_rule(taxonomy) -> None:
    with pytest.raises(RuleConfigError, match="'broken'"):
        RuleSet.from_dicts([{"id": "broken", "l2": "Speed", "priority": 1, "any": ["(slow"]}], taxonomy)


def test_taxonomy_derives_l1_from_l2(taxonomy) -> None:
    assert taxonomy.l1_labels == ("Network", "Billing", "Service")
    assert [taxonomy.l1_of(l2) for l2 in taxonomy.l2_labels] == [
        "Network", "Network", "Network", "Billing", "Billing", "Service",
    ]  # fmt: skip
    with pytest.raises(TaxonomyError):
        taxonomy.validate_pair("Billing", "Speed")


def test_normalisation_repairs_mojibake_and_squeezes_repeats() -> None:
    assert normalise_text("Iâ€™m SOOOO TIRED, they took â‚¦500") == "i'm soo tired, they took amt"


def test_normalisation_tokenises_amounts_and_collapses_every_whitespace() -> None:
    texts = [
        "Paid N500,000 and NGN 2,000 and #50 for 2k\u00a0data, 300naira gone",
        "\u3000 line one\r\n\x0bline\u2028two \x85 end\t",
        "ann 5 nn5 n5 1.5k",
    ]
    expected = [
        "paid amt and amt and amt for amt data, amt gone",
        "line one line two end",
        "ann 5 nn5 amt amt",
    ]
    assert [normalise_text(t) for t in texts] == expected
    assert normalise_texts(texts) == expected


def test_literal_gates_never_change_a_decision(rules: RuleSet) -> None:
    from dataclasses import replace

    from beejan_lakehouse.classification.datasets import load_labelled_jsonl

    settings = load_settings()
    taxonomy = load_taxonomy(settings.taxonomy_path)
    texts = [
        normalise_text(t)
        for path in (settings.curated_train_path, settings.eval_fixed_path)
        for t in load_labelled_jsonl(path, taxonomy)["text"]
    ]
    ungated = RuleSet(
        [replace(r, gates=(), any_parts=()) for r in rules.rules], rules.secondary_re, rules.head_min_chars
    )
    assert ungated._literals is None  # the reference searches every regex of every rule
    assert all(r.gates for r in rules.rules), "every shipped rule should derive a gate"
    assert sum(len(r.any_parts) > 1 for r in rules.rules) >= 10, "per-pattern gates should be in use"
    assert list(rules.match_normalised(texts).rule_id) == list(ungated.match_normalised(texts).rule_id)


def test_pattern_gates_are_the_literals_every_match_needs() -> None:
    from beejan_lakehouse.classification.rule_gates import pattern_gate, pattern_gates

    near = r"\b(inside|basement)\b.{0,60}\b(bars?|signal)\b"
    assert pattern_gates(near) == (frozenset({"inside", "basement"}), frozenset({"bar", "signal"}))
    assert pattern_gate(near) == frozenset({"inside", "basement"})  # the single strongest one
    assert pattern_gates(r"\b(a|zero) (bars?|signal)") == (frozenset({"bar", "signal"}),)  # "a" is too short
    assert pattern_gates(r"\b(slow|buffer\w*)|x") == ()  # an alternative without literals proves nothing


def test_a_head_scoped_rule_ignores_its_pattern_after_the_secondary_marker(rules: RuleSet) -> None:
    # The literals occur in the whole text (so the literal scan passes the rule) but only after
    # the marker: batch matching must agree with one text at a time.
    texts = [normalise_text(t) for t, _ in HEAD_SCOPE]
    expected = [rule_id for _, rule_id in HEAD_SCOPE]
    assert list(rules.match_normalised(texts).rule_id) == expected
    assert [None if (r := rules.match_one(t)) is None else r.rule_id for t in texts] == expected


def test_the_head_is_only_searched_for_where_a_marker_literal_occurs(rules: RuleSet, taxonomy) -> None:
    # The shipped markers have literals, so a text holding none of them skips the marker search;
    # markers without provable literals are searched on every text. Both give match_one's heads.
    assert rules._secondary_bit is not None
    items = [{"id": "refund", "l2": "Refund", "priority": 5, "any": [r"\bmoney back\b"]}]
    texts = [
        normalise_text(t)
        for t in (
            "please help me now ?!? I want my money back",  # marker "?!?" before the rule's words
            "please help me now, I want my money back",  # no marker at all
            "I want my money back ?!? please",  # the rule's words in the head
        )
    ]
    ungated = RuleSet.from_dicts(items, taxonomy, secondary_markers=[r"[?!]{3}"])
    assert ungated._secondary_bit is None
    gated = RuleSet.from_dicts(items, taxonomy, secondary_markers=[r"\?!\?"])
    assert gated._secondary_bit is not None
    for ruleset in (ungated, gated):
        assert list(ruleset.match_normalised(texts).rule_id) == [None, "refund", "refund"]
        assert [None if (r := ruleset.match_one(t)) is None else r.rule_id for t in texts] == [None, "refund", "refund"]
