"""What ./spark-submit.sh runs: builds the exact spark-submit command for a job and runs it.

    ./spark-submit.sh <job> [--env dev|test|prod] [--master URL] [--dry-run] [job args...]

The job is jobs/<job>.py; it receives `--env <env>` followed by the job args. Jars, memory and
every Spark property come from the same config the session factory uses, so a job started here
and a session started from a notebook or a test are configured alike.
"""

from __future__ import annotations

import argparse
import ast
import os
import shlex
import sys
from pathlib import Path

from beejan_lakehouse.config import REPO_ROOT, ConfigError, load_config
from beejan_lakehouse.job import config_overrides
from beejan_lakehouse.session import COMPILER_DIRECTIVES, is_local, spark_conf

JOBS_DIR = REPO_ROOT / "jobs"
USAGE = "usage: ./spark-submit.sh <job> [--env dev|test|prod] [--master URL] [--dry-run] [job args]"
# Properties spark-submit takes as flags because they must be known before the JVM starts.
_FLAG_PROPERTIES = {
    "spark.master": "--master",
    "spark.app.name": "--name",
    "spark.driver.memory": "--driver-memory",
    "spark.jars": "--jars",
}


def list_jobs() -> dict[str, str]:
    """Job name -> first line of the job module's docstring."""
    jobs = {}
    for path in sorted(JOBS_DIR.glob("*.py")):
        if path.name.startswith("_"):
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        jobs[path.stem] = doc.strip().splitlines()[0] if doc.strip() else ""
    return jobs


def help_text() -> str:
    jobs = list_jobs()
    width = max(len(name) for name in jobs) if jobs else 0
    lines = [
        USAGE,
        "",
        "Runs jobs/<job>.py with spark-submit from the pinned pyspark, the pinned jars",
        "(.local/jars/spark) and conf/base.yaml + conf/<env>.yaml (default env: dev).",
        "  --env ENV     configuration overlay: dev, test or prod",
        "  --master URL  override spark.master (local[*], yarn, k8s://..., spark://...)",
        "  --dry-run     print the spark-submit command instead of running it",
        "",
        "jobs:",
    ]
    lines += [f"  {name.ljust(width)}  {summary}" for name, summary in jobs.items()]
    return "\n".join(lines)


def parse(argv: list[str]) -> tuple[str, str, str | None, bool, list[str]]:
    """Split argv into job, env, master override, dry-run flag and the job's own args."""
    job, rest = argv[0], argv[1:]
    env, master, dry_run, job_args = os.environ.get("BEEJAN_ENV", "dev"), None, False, []
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg == "--env" and i + 1 < len(rest):
            env, i = rest[i + 1], i + 2
        elif arg.startswith("--env="):
            env, i = arg.split("=", 1)[1], i + 1
        elif arg == "--master" and i + 1 < len(rest):
            master, i = rest[i + 1], i + 2
        elif arg == "--dry-run":
            dry_run, i = True, i + 1
        else:
            job_args.append(arg)
            i += 1
    return job, env, master, dry_run, job_args


def build_command(job: str, env: str, master: str | None, job_args: list[str]) -> list[str]:
    """The spark-submit argv for `job` in `env`."""
    job_file = JOBS_DIR / f"{job}.py"
    if not job_file.is_file():
        known = ", ".join(list_jobs())
        raise ConfigError(f"unknown job {job!r} (jobs/{job}.py not found); jobs: {known}")
    # The job's --set overrides reach the JVM's own settings too (memory, options): the job
    # applies them again to its config when it starts.
    cfg = load_config(env, config_overrides(_set_pairs(job_args)))
    conf = spark_conf(cfg, app_name=f"beejan-{job}-{env}", master=master)
    submit = str(Path(sys.executable).parent / "spark-submit")
    cmd = [submit]
    if not is_local(conf["spark.master"]):
        cmd += _cluster_files()
    for prop, flag in _FLAG_PROPERTIES.items():
        if prop in conf:
            cmd += [flag, conf.pop(prop)]
    for key, value in sorted(conf.items()):
        cmd += ["--conf", f"{key}={value}"]
    return [*cmd, str(job_file), "--env", env, *job_args]


def _set_pairs(job_args: list[str]) -> list[str]:
    """The KEY=VALUE of every `--set KEY=VALUE` / `--set=KEY=VALUE` among a job's args."""
    sets = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    sets.add_argument("--set", action="append", default=[])
    return sets.parse_known_args(job_args)[0].set


def _cluster_files() -> list[str]:
    """On a cluster, ship the library wheel (pip wheel . -w dist) and the configuration."""
    wheels = sorted((REPO_ROOT / "dist").glob("beejan_lakehouse-*.whl"))
    if not wheels:
        raise ConfigError("a cluster run needs the library wheel: run `pip wheel --no-deps . -w dist`")
    conf_files = ",".join(str(p) for p in [*sorted((REPO_ROOT / "conf").glob("*.yaml")), COMPILER_DIRECTIVES])
    return ["--py-files", str(wheels[-1]), "--files", conf_files]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(help_text())
        return 0
    job, env, master, dry_run, job_args = parse(argv)
    try:
        cmd = build_command(job, env, master, job_args)
    except ConfigError as exc:
        print(f"spark-submit.sh: {exc}", file=sys.stderr)
        return 2
    if dry_run:
        print(shlex.join(cmd))
        return 0
    print(f"[spark-submit.sh] {job} --env {env}", file=sys.stderr)
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    os.environ["BEEJAN_ENV"] = env
    os.execv(cmd[0], cmd)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
