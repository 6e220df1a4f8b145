"""Benchmark the complaint classifier: training time and single-core inference texts/s.

    python bench/bench_classifier.py [--n 50000]

Trains in memory (no MLflow) on the configured data, then classifies `n` texts drawn from
the fixed evaluation set and the simulator (rules + model, the silver path) in one process.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

# One core: the target is per core, so BLAS/OpenMP must not fan out.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

from beejan_lakehouse.classification.datasets import load_labelled_jsonl, simulator_texts  # noqa: E402
from beejan_lakehouse.classification.model import build_pipeline  # noqa: E402
from beejan_lakehouse.classification.registry import build_classifier  # noqa: E402
from beejan_lakehouse.classification.settings import load_settings  # noqa: E402
from beejan_lakehouse.classification.taxonomy import load_taxonomy  # noqa: E402
from beejan_lakehouse.classification.training import load_training_frame  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000, help="texts to classify")
    parser.add_argument("--batch", type=int, default=10_000, help="texts per call (Arrow batch)")
    parser.add_argument(
        "--unique",
        action="store_true",
        help="every text distinct (worst case: no within-batch de-duplication to gain from)",
    )
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    settings = load_settings()
    taxonomy = load_taxonomy(settings.taxonomy_path)
    train = load_training_frame(settings)
    started = time.perf_counter()
    pipeline = build_pipeline(settings.model, seed=settings.seed).fit(train["text"].tolist(), train["l2"].to_numpy())
    train_seconds = time.perf_counter() - started

    pool = load_labelled_jsonl(settings.eval_fixed_path, taxonomy)["text"].tolist()
    pool += simulator_texts(5_000, 4242, taxonomy)["text"].tolist()
    rng = random.Random(0)
    if args.unique:
        # Distinct texts: the pool with a different numbered suffix on every copy.
        texts = [f"{rng.choice(pool)} #{i}" for i in range(args.n)]
    else:
        texts = [rng.choice(pool) for _ in range(args.n)]
    classifier = build_classifier(pipeline, settings)
    classifier.classify(texts[:1000])  # warm-up: lazy imports, regex caches

    started = time.perf_counter()
    for start in range(0, len(texts), args.batch):
        classifier.classify(texts[start : start + args.batch])
    infer_seconds = time.perf_counter() - started
    mean_chars = sum(len(t) for t in texts) / len(texts)
    print(f"training: {len(train)} texts in {train_seconds:.2f} s (incl. calibration CV)")
    mode = ", all texts distinct" if args.unique else ""
    print(
        f"inference (rules + model, 1 core{mode}): {args.n} texts (mean {mean_chars:.0f} chars) "
        f"in {infer_seconds:.2f} s = {args.n / infer_seconds:,.0f} texts/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
