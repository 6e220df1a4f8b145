"""Simulator producers deliver every event to a real broker (counted by consuming back)."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date

import pytest
from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient, NewTopic

from beejan_lakehouse.simulator.generator import STREAM_CHANNELS, Simulator
from beejan_lakehouse.simulator.noise import NoiseKnobs
from beejan_lakehouse.simulator.producers import ChannelProducer, produce_events
from beejan_lakehouse.simulator.profiles import BulkGenerator, day_slots
from beejan_lakehouse.simulator.world import build_world

pytestmark = pytest.mark.integration


@pytest.fixture
def sim_topics(kafka_bootstrap: str) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:10]
    topics = {ch: f"test.sim.{ch}.{suffix}" for ch in STREAM_CHANNELS}
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        admin.create_topics([NewTopic(t, num_partitions=2, replication_factor=1)
                             for t in topics.values()])
    finally:
        admin.close()
    return topics


def _consume_counts(bootstrap: str, topics: dict[str, str], expected: int) -> tuple[Counter, set]:
    consumer = KafkaConsumer(*topics.values(), bootstrap_servers=bootstrap,
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             consumer_timeout_ms=10_000, group_id=None)
    counts: Counter[str] = Counter()
    keys: set[tuple[str, bytes]] = set()
    try:
        for msg in consumer:
            counts[msg.topic] += 1
            keys.add((msg.topic, msg.key))
            if sum(counts.values()) >= expected:
                break
    finally:
        consumer.close()
    return counts, keys


def test_day_events_all_delivered_including_broken_payloads(kafka_bootstrap, sim_topics):
    knobs = NoiseKnobs(malformed_json_rate=0.02, exact_dup_rate=0.05)
    events = Simulator(build_world(), 9, knobs).generate(day_slots(date(2024, 5, 1), 1500, 9))
    streamed = [e for e in events if e.channel in STREAM_CHANNELS and e.truth["in_stream"]]
    delivered = produce_events(events, kafka_bootstrap, sim_topics)
    expected = Counter(sim_topics[e.channel] for e in streamed)
    assert delivered == dict(expected)
    counts, keys = _consume_counts(kafka_bootstrap, sim_topics, len(streamed))
    assert counts == expected
    assert keys == {(sim_topics[e.channel], e.key_bytes()) for e in streamed}
    assert any("malformed_json" in e.truth["bad_reasons"] for e in streamed)


def test_bulk_producer_delivers_every_event(kafka_bootstrap, sim_topics):
    bulk = BulkGenerator(Simulator(build_world(), 2), pool_size=500)
    n = 20_000
    with ChannelProducer(kafka_bootstrap, sim_topics) as producer:
        for channel, key, value, _l1, _l2 in bulk.events(n):
            producer.send(channel, key, value)
    assert sum(producer.delivered.values()) == n and not producer.failed
    counts, _ = _consume_counts(kafka_bootstrap, sim_topics, n)
    assert sum(counts.values()) == n
