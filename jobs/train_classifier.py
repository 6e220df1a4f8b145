"""Train the complaint classifier, log it to MLflow, register it, promote it if not worse.

python jobs/train_classifier.py --env dev [--tracking-uri URI] [--simulator-samples N]
"""

from __future__ import annotations

import argparse
import json
import sys

from beejan_lakehouse.classification.settings import load_settings, mlflow_settings
from beejan_lakehouse.classification.training import train_and_register


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="dev", help="platform config environment (dev/test/prod)")
    parser.add_argument("--tracking-uri", help="MLflow tracking URI (default: config)")
    parser.add_argument("--registry-uri", help="MLflow registry URI (default: tracking URI)")
    parser.add_argument("--artifact-location", help="artifact root for a new experiment")
    parser.add_argument("--simulator-samples", type=int, help="override classifier.yaml")
    parser.add_argument("--no-promote", action="store_true", help="register but never promote")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = load_settings()
    ms = mlflow_settings(args.env, settings, args.tracking_uri, args.registry_uri, args.artifact_location)
    result = train_and_register(ms, settings, simulator_samples=args.simulator_samples, promote=not args.no_promote)
    print(
        json.dumps(
            {
                "run_id": result.run_id,
                "model_name": ms.model_name,
                "version": result.version,
                "promoted": result.promoted,
                "train_rows": result.train_rows,
                "train_seconds": round(result.train_seconds, 2),
                "eval_l1_macro_f1": round(result.metrics["l1_macro_f1"], 4),
                "eval_l2_macro_f1": round(result.metrics["l2_macro_f1"], 4),
                "rules_only_l2_macro_f1": round(result.metrics["rules_only_l2_macro_f1"], 4),
                "model_only_l2_macro_f1": round(result.metrics["model_only_l2_macro_f1"], 4),
                "champion_before": result.champion_metrics,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
