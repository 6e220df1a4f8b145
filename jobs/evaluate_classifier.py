"""Score the champion classifier (with rule fusion) on a labelled JSONL file.

    python jobs/evaluate_classifier.py --env dev --input FILE.jsonl [--json]

Each line needs text, l1, l2 (other fields ignored). Trains a first champion if none exists.
"""

from __future__ import annotations

import argparse
import json
import sys

from beejan_lakehouse.classification.evaluation import evaluate_file, format_report, json_summary
from beejan_lakehouse.classification.settings import load_settings, mlflow_settings


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="dev", help="platform config environment (dev/test/prod)")
    parser.add_argument("--input", required=True, help="JSONL file with text, l1, l2")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--tracking-uri", help="MLflow tracking URI (default: config)")
    parser.add_argument("--registry-uri", help="MLflow registry URI (default: tracking URI)")
    parser.add_argument("--artifact-location", help="artifact root if a first model is trained")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = load_settings()
    ms = mlflow_settings(args.env, settings, args.tracking_uri, args.registry_uri, args.artifact_location)
    report = evaluate_file(args.input, ms, settings)
    print(json.dumps(json_summary(report)) if args.json else format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
