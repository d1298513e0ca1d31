"""End-to-end throughput of the queue layer next to raw stomp.py on the same broker.

    .venv/bin/python bench/bench_queue.py [--messages N] [--size BYTES]

One producer thread publishes N persistent messages, each confirmed (broker receipt / committed
row) before the next, while one consumer receives and acks them one by one (prefetch 1). The raw
variant does the same with stomp.py directly (SEND with receipt, client-individual ACK, prefetch
1). Prints messages/s and the ratio layer/raw (target >= 0.5), best of --rounds alternating runs.
Brokers that do not answer are skipped (scripts/brokers.sh starts them)."""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "queue"))

import stomp

import message_queue

BROKERS = {
    "rabbitmq": ("127.0.0.1", 61613),
    "activemq": ("127.0.0.1", 61614),
}


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def run_layer(url: str, count: int, body: bytes) -> tuple[float, float]:
    """Return (publish msg/s, end-to-end msg/s) through MessageQueue."""
    queue_name = f"bench-{uuid.uuid4().hex[:10]}"
    producer, consumer = message_queue.connect(url), message_queue.connect(url)
    headers = {"ce-type": "nl.overheid.omgevingswet.verzoek-ontvangen"}
    published_in = 0.0

    def publish() -> None:
        nonlocal published_in
        started = time.perf_counter()
        for i in range(count):
            producer.publish(queue_name, body, message_id=f"m-{i}", headers={**headers, "ce-id": str(i)})
        published_in = time.perf_counter() - started

    started = time.perf_counter()
    thread = threading.Thread(target=publish)
    thread.start()
    received = 0
    while received < count:
        message = consumer.receive(queue_name, timeout=10)
        if message is None:
            raise SystemExit(f"{url}: stalled after {received} messages")
        consumer.ack(message)
        received += 1
    elapsed = time.perf_counter() - started
    thread.join()
    producer.close()
    consumer.close()
    return count / published_in, count / elapsed


class _Raw(stomp.ConnectionListener):  # type: ignore[misc]
    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.receipts: set[str] = set()
        self.frames: list[Any] = []

    def on_receipt(self, frame: Any) -> None:
        with self.cond:
            self.receipts.add(frame.headers["receipt-id"])
            self.cond.notify_all()

    def on_message(self, frame: Any) -> None:
        with self.cond:
            self.frames.append(frame)
            self.cond.notify_all()


def _raw_connection(host: str, port: int) -> tuple[Any, _Raw]:
    conn = stomp.Connection12([(host, port)], vhost="/", auto_decode=False, heartbeats=(4000, 4000))
    listener = _Raw()
    conn.set_listener("raw", listener)
    conn.connect("guest", "guest", wait=True)
    return conn, listener


def run_raw(host: str, port: int, count: int, body: bytes) -> tuple[float, float]:
    """Return (publish msg/s, end-to-end msg/s) with stomp.py and nothing of ours."""
    destination = f"/queue/bench-raw-{uuid.uuid4().hex[:10]}"
    producer, plisten = _raw_connection(host, port)
    consumer, clisten = _raw_connection(host, port)
    published_in = 0.0

    def publish() -> None:
        nonlocal published_in
        started = time.perf_counter()
        for i in range(count):
            receipt = f"r{i}"
            producer.send(
                destination, body, headers={"persistent": "true", "receipt": receipt, "ce-id": str(i)}
            )
            with plisten.cond:
                while receipt not in plisten.receipts:
                    plisten.cond.wait(10)
        published_in = time.perf_counter() - started

    started = time.perf_counter()
    consumer.subscribe(
        destination,
        id="raw",
        ack="client-individual",
        headers={"prefetch-count": "1", "activemq.prefetchSize": "1"},
    )
    thread = threading.Thread(target=publish)
    thread.start()
    received = 0
    while received < count:
        with clisten.cond:
            while not clisten.frames:
                clisten.cond.wait(10)
            frame = clisten.frames.pop(0)
        consumer.ack(frame.headers["ack"])
        received += 1
    elapsed = time.perf_counter() - started
    thread.join()
    producer.disconnect()
    consumer.disconnect()
    return count / published_in, count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2, help="alternate layer and raw, keep the best")
    args = parser.parse_args()
    body = b"x" * args.size
    print(f"{args.messages} messages of {args.size} bytes, persistent, confirmed, prefetch 1")
    columns = ("layer pub/s", 12), ("layer e2e/s", 12), ("raw pub/s", 10), ("raw e2e/s", 10), ("ratio", 6)
    print(f"{'backend':<10} " + " ".join(f"{title:>{width}}" for title, width in columns))
    with tempfile.TemporaryDirectory() as tmp:
        pub, e2e = run_layer(f"sqlite:///{tmp}/bench.db", args.messages, body)
        print(f"{'sqlite':<10} {pub:>12.0f} {e2e:>12.0f} {'-':>10} {'-':>10} {'-':>6}")
    for name, (host, port) in BROKERS.items():
        if not port_open(host, port):
            print(f"{name:<10} skipped: nothing answers on {host}:{port} (run scripts/brokers.sh)")
            continue
        # The machine is shared and the JVM warms up: alternate the two and keep each one's best.
        url = f"stomp://guest:guest@{host}:{port}?flavour={name}"
        layer_runs, raw_runs = [], []
        for _ in range(args.rounds):
            raw_runs.append(run_raw(host, port, args.messages, body))
            layer_runs.append(run_layer(url, args.messages, body))
        pub, e2e = max(layer_runs, key=lambda r: r[1])
        raw_pub, raw_e2e = max(raw_runs, key=lambda r: r[1])
        print(f"{name:<10} {pub:>12.0f} {e2e:>12.0f} {raw_pub:>10.0f} {raw_e2e:>10.0f} {e2e / raw_e2e:>6.2f}")


if __name__ == "__main__":
    main()
