"""Kafka producers for the streaming channels (kafka-python).

Contract: ``ChannelProducer.send`` takes raw key/value bytes (values may be deliberately
broken JSON); ``flush()`` waits for every acknowledgement and returns delivered counts per
topic. ``acks='all'`` because the reliability tests count every event on the broker.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from kafka import KafkaProducer

from beejan_lakehouse.simulator.channels import TOPIC_DEFAULTS
from beejan_lakehouse.simulator.generator import SimEvent


class ChannelProducer:
    """One KafkaProducer routing each channel to its topic and counting acknowledgements."""

    def __init__(self, bootstrap_servers: str, topics: dict[str, str] | None = None,
                 compression_type: str | None = "gzip", linger_ms: int = 20,
                 batch_size: int = 512 * 1024, **overrides: object) -> None:
        self.topics = dict(TOPIC_DEFAULTS, **(topics or {}))
        config = dict(bootstrap_servers=bootstrap_servers, acks="all", linger_ms=linger_ms,
                      batch_size=batch_size, compression_type=compression_type,
                      # Huge-text faults are up to ~60 KB of text, far below this cap.
                      max_request_size=4 * 1024 * 1024, retries=10,
                      client_id="beejan-simulator")
        config.update(overrides)
        self._producer = KafkaProducer(**config)
        self.delivered: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.errors: list[str] = []

    def send(self, channel: str, key: bytes, value: bytes) -> None:
        """Queue one record for ``channel``'s topic (asynchronous; see ``flush``)."""
        topic = self.topics[channel]
        future = self._producer.send(topic, key=key, value=value)
        future.add_callback(self._ok, topic)
        future.add_errback(self._err, topic)

    def _ok(self, topic: str, _metadata: object) -> None:
        self.delivered[topic] += 1

    def _err(self, topic: str, exc: BaseException) -> None:
        self.failed[topic] += 1
        if len(self.errors) < 20:
            self.errors.append(f"{topic}: {exc!r}")

    def flush(self, timeout: float | None = 120.0) -> dict[str, int]:
        """Block until all queued records are acknowledged; delivered counts per topic."""
        self._producer.flush(timeout=timeout)
        return dict(self.delivered)

    def close(self) -> None:
        self._producer.close()

    def __enter__(self) -> ChannelProducer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush()
        self.close()


def produce_events(events: Iterable[SimEvent], bootstrap_servers: str,
                   topics: dict[str, str] | None = None, **producer_config: object) -> dict[str, int]:
    """Send every streamed event (``truth['in_stream']``) to its topic; delivered per topic.

    Call-centre events and export-only web submissions are skipped (they are file-borne).
    Raises ``RuntimeError`` if any record failed, after flushing the rest.
    """
    with ChannelProducer(bootstrap_servers, topics, **producer_config) as producer:
        for e in events:
            if e.channel in producer.topics and e.truth.get("in_stream", True):
                producer.send(e.channel, e.key_bytes(), e.value_bytes())
        producer.flush()
    if producer.failed:
        raise RuntimeError(f"delivery failed: {dict(producer.failed)} {producer.errors[:3]}")
    return dict(producer.delivered)
