"""gold.alerts: the simulator's outage burst fires, quiet traffic does not, the webhook contract."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest

from beejan_lakehouse.broker import free_port
from beejan_lakehouse.gold.alerts import ALERT_DELIVERIES, ALERTS, category_counts, detect, evaluate_alerts
from beejan_lakehouse.gold.live import LIVE_15MIN, window_counts
from beejan_lakehouse.gold.settings import load_gold_settings
from beejan_lakehouse.gold.synthetic import silver_from_simulator
from beejan_lakehouse.simulator.generator import Simulator
from beejan_lakehouse.simulator.noise import Burst, NoiseKnobs
from beejan_lakehouse.simulator.profiles import day_slots
from beejan_lakehouse.simulator.runner import region_share
from beejan_lakehouse.simulator.world import build_world
from beejan_lakehouse.tables import ensure_table, table_path

DAY = date(2024, 5, 1)
BURST_AT = datetime(2024, 5, 1, 11, 0, tzinfo=UTC)  # 12:00 Lagos


def _simulated_silver(spark, burst: Burst | None):
    """Five hours of a simulated day (07:00-12:00 UTC) as the silver rows the pipeline would write."""
    world = build_world()
    knobs = NoiseKnobs(burst=burst)
    slots = day_slots(DAY, 40_000, seed=3, burst=burst, region_share=region_share(world))
    lo, hi = datetime(2024, 5, 1, 7, tzinfo=UTC), datetime(2024, 5, 1, 12, tzinfo=UTC)
    slots = [s for s in slots if lo <= s.arrival_utc < hi]
    silver = silver_from_simulator(spark, Simulator(world, 3, knobs).generate(slots))
    # What the live table holds: events older than the slice are beyond the watermark (ops.late_events).
    return silver.where(silver["event_ts_utc"] >= lo)


def _alert_keys(alerts):
    return {(r["kind"], r["region"], r["category_level"], r["category"]) for r in alerts}


def test_outage_burst_raises_a_spike_for_its_region_and_category(spark):
    settings = load_gold_settings().alerts
    silver = _simulated_silver(spark, Burst("North West", BURST_AT, minutes=60, factor=8.0))
    alerts = detect(category_counts(window_counts(silver)), settings).collect()
    assert _alert_keys(alerts) == {("spike", "North West", "l2", "Outage"), ("spike", "North West", "l1", "Network")}
    assert all(BURST_AT <= r["window_start"].replace(tzinfo=UTC) < BURST_AT + timedelta(hours=1) for r in alerts)


def test_quiet_traffic_raises_no_alert(spark):
    settings = load_gold_settings().alerts
    alerts = detect(category_counts(window_counts(_simulated_silver(spark, None))), settings).collect()
    assert alerts == []


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"content_type": self.headers["Content-Type"], "body": json.loads(body)})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture
def receiver():
    port = free_port()
    _Receiver.received = []
    server = HTTPServer(("127.0.0.1", port), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/hooks/beejan", _Receiver.received
    server.shutdown()
    server.server_close()


def _live_with_spike(spark, cfg):
    """Nine windows of Lagos/Outage sms complaints: 4 each, then 40 in the last window."""
    ensure_table(spark, cfg, LIVE_15MIN)
    start = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    now = datetime.now(UTC)
    rows = []
    for i in range(9):
        ws = start + timedelta(minutes=15 * i)
        n = 40 if i == 8 else 4
        rows.append(("2024-05-01", ws, ws + timedelta(minutes=15), "Lagos", "Network", "Outage", "sms", n, now))
        rows.append(("2024-05-01", ws, ws + timedelta(minutes=15), "Kano", "Billing", "Refund", "sms", 4, now))
    spark.createDataFrame(rows, LIVE_15MIN.schema).write.format("delta").mode("append").save(
        table_path(cfg, LIVE_15MIN.name)
    )


def test_alerts_are_stored_once_and_pushed_once_with_the_contract_payload(spark, lakehouse_cfg, receiver):
    url, received = receiver
    settings = load_gold_settings(overrides={"webhook.url": url})
    _live_with_spike(spark, lakehouse_cfg)
    first = evaluate_alerts(spark, lakehouse_cfg, settings)
    again = evaluate_alerts(spark, lakehouse_cfg, settings)  # re-evaluation: no new row, no re-push
    assert first == {"candidates": 2, "pushed": 2, "failed": 0}
    assert again == {"candidates": 2, "pushed": 0, "failed": 0}
    stored = spark.read.format("delta").load(table_path(lakehouse_cfg, ALERTS.name)).orderBy("category_level")
    assert stored.count() == 2
    network = stored.first()
    alert_id = hashlib.sha256(b"spike|Lagos|l1|Network|2024-05-01T11:00:00Z").hexdigest()
    stamp = network["created_at"].strftime("%Y-%m-%dT%H:%M:%SZ")  # written by this run
    network_payload = next(r for r in received if r["body"]["category"] == "Network")
    assert network_payload == {
        "content_type": "application/json",
        "body": {
            "schema": "beejan.alert.v1",
            "alert_id": alert_id,
            "kind": "spike",
            "region": "Lagos",
            "category_level": "l1",
            "category": "Network",
            "window_start": "2024-05-01T11:00:00Z",
            "window_end": "2024-05-01T11:15:00Z",
            "observed": 40,
            "expected": 4.0,
            "z_score": 18.0,
            "severity": "critical",
            "created_at": stamp,
            "updated_at": stamp,
            "status": "open",
        },
    }
    assert {r["body"]["category"] for r in received} == {"Network", "Outage"}


def test_webhook_failure_is_recorded_and_never_raises(spark, lakehouse_cfg):
    dead = f"http://127.0.0.1:{free_port()}/nobody-listens"
    settings = load_gold_settings(
        overrides={"webhook.url": dead, "webhook.max_attempts": 2, "webhook.backoff_seconds": 0.01}
    )
    _live_with_spike(spark, lakehouse_cfg)
    assert evaluate_alerts(spark, lakehouse_cfg, settings) == {"candidates": 2, "pushed": 0, "failed": 2}
    deliveries = spark.read.format("delta").load(table_path(lakehouse_cfg, ALERT_DELIVERIES.name)).collect()
    assert {(r["status"], r["attempts"]) for r in deliveries} == {("failed", 2)}
    assert all("ConnectionRefused" in r["error"] or "URLError" in r["error"] for r in deliveries)
