"""Kafka topics declared in conf/ (kafka.topics), created with kafka-python's admin client."""

from __future__ import annotations

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from beejan_lakehouse.config import Config, kafka_client_options
from beejan_lakehouse.logs import get_logger

log = get_logger("topics")


def topic_name(cfg: Config, channel: str) -> str:
    """The topic that carries one channel (social, sms, webform, canary)."""
    return cfg["kafka"]["topics"][channel]["name"]


def ensure_topics(cfg: Config, replication_factor: int = 1) -> list[str]:
    """Create every topic in kafka.topics that does not exist yet; returns the created names."""
    admin = KafkaAdminClient(client_id="beejan-topics", **kafka_client_options(cfg))
    try:
        existing = set(admin.list_topics())
        wanted = [
            NewTopic(name=t["name"], num_partitions=t["partitions"], replication_factor=replication_factor)
            for t in cfg["kafka"]["topics"].values()
            if t["name"] not in existing
        ]
        created: list[str] = []
        for topic in wanted:
            try:
                admin.create_topics([topic])
                created.append(topic.name)
            except TopicAlreadyExistsError:
                pass  # created concurrently by another job: what we wanted anyway
        if created:
            log.info("created topics %s", ", ".join(created))
        return created
    finally:
        admin.close()
