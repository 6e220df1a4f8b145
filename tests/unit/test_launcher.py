"""./spark-submit.sh: --help lists the jobs, --dry-run prints the exact spark-submit command."""

import shlex
import subprocess
from pathlib import Path

import pytest

from beejan_lakehouse.launcher import list_jobs

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = str(REPO_ROOT / "spark-submit.sh")


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=60, env=env, check=False)


def test_help_lists_every_job_with_its_summary():
    result = run("--help")
    assert result.returncode == 0
    jobs = list_jobs()
    assert "demo" in jobs and "stream_bronze" in jobs
    for name, summary in jobs.items():
        assert f"  {name}" in result.stdout
        assert summary and summary in result.stdout


def test_dry_run_prints_spark_submit_with_jars_conf_and_job_args():
    result = run("stream_bronze", "--env", "dev", "--dry-run", "--trigger", "availableNow")
    assert result.returncode == 0, result.stderr
    argv = shlex.split(result.stdout.strip())
    assert Path(argv[0]).name == "spark-submit"
    assert argv[argv.index("--master") + 1] == "local[2]"
    assert argv[argv.index("--name") + 1] == "beejan-stream_bronze-dev"
    jars = argv[argv.index("--jars") + 1].split(",")
    assert any("delta-spark_4.2_2.13" in j for j in jars)
    assert any("spark-sql-kafka-0-10_2.13-4.2.0" in j for j in jars)
    confs = [argv[i + 1] for i, a in enumerate(argv) if a == "--conf"]
    assert "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension" in confs
    assert "spark.sql.session.timeZone=UTC" in confs
    assert argv[-5:] == [str(REPO_ROOT / "jobs" / "stream_bronze.py"), "--env", "dev", "--trigger", "availableNow"]


def test_dry_run_master_override_for_a_cluster(tmp_path: Path):
    result = run("stream_bronze", "--env", "test", "--master", "local[4]", "--dry-run")
    argv = shlex.split(result.stdout.strip())
    assert argv[argv.index("--master") + 1] == "local[4]"
    assert "spark.ui.enabled=false" in argv


def test_cluster_executors_read_the_shipped_compiler_directives(tmp_path: Path, monkeypatch):
    """On a cluster the directives file ships with --files and executors name it relative to
    their working directory (the driver host's path does not exist there)."""
    from beejan_lakehouse import launcher
    from beejan_lakehouse.session import COMPILER_DIRECTIVES

    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "beejan_lakehouse-0.1.0-py3-none-any.whl").touch()
    monkeypatch.setattr(launcher, "REPO_ROOT", tmp_path)
    argv = launcher.build_command("stream_bronze", "test", "spark://head:7077", [])
    assert str(COMPILER_DIRECTIVES) in argv[argv.index("--files") + 1].split(",")
    executor = next(a for a in argv if a.startswith("spark.executor.extraJavaOptions="))
    assert "-XX:CompilerDirectivesFile=compiler_directives.json" in executor.split()
    driver = next(a for a in argv if a.startswith("spark.driver.extraJavaOptions="))
    assert f"-XX:CompilerDirectivesFile={COMPILER_DIRECTIVES}" in driver.split()


@pytest.mark.parametrize(
    ("master", "local"),
    [("local[2]", True), ("local[*]", True), ("yarn", False), ("k8s://https://api:6443", False)],
)
def test_the_session_conf_names_the_executors_directives_for_the_master(lakehouse_cfg, master: str, local: bool):
    """spark_conf(master=...) overrides spark.master and points the executors at the directives
    file where they run: the repository's path in local mode, the shipped file's name on a
    cluster. The driver always reads the repository's file."""
    from beejan_lakehouse.session import COMPILER_DIRECTIVES, spark_conf

    conf = spark_conf(lakehouse_cfg, master=master)
    assert conf["spark.master"] == master
    directives = [o for o in conf["spark.executor.extraJavaOptions"].split() if "CompilerDirectivesFile" in o]
    expected = str(COMPILER_DIRECTIVES) if local else "compiler_directives.json"
    assert directives == [f"-XX:CompilerDirectivesFile={expected}"]
    assert f"-XX:CompilerDirectivesFile={COMPILER_DIRECTIVES}" in conf["spark.driver.extraJavaOptions"].split()
    assert spark_conf(lakehouse_cfg)["spark.master"] == lakehouse_cfg["spark"]["master"]


def test_a_jobs_set_overrides_reach_the_jvm_settings():
    """`--set spark.*` among the job's args sizes and configures the JVM spark-submit starts (the
    job also receives them); the default neither reserves nor pre-touches the heap."""
    plain = shlex.split(run("stream_silver", "--env", "dev", "--dry-run").stdout.strip())
    assert plain[plain.index("--driver-memory") + 1] == "8g"
    driver_options = next(a for a in plain if a.startswith("spark.driver.extraJavaOptions="))
    assert "-XX:+AlwaysPreTouch" not in driver_options.split() and "-Xms8g" not in driver_options.split()

    sets = ["--set", "spark.driver_memory=5g", "--set=spark.reserve_heap=true"]
    result = run("stream_silver", "--env", "dev", "--dry-run", *sets)
    assert result.returncode == 0, result.stderr
    argv = shlex.split(result.stdout.strip())
    assert argv[argv.index("--driver-memory") + 1] == "5g"
    driver_options = next(a for a in argv if a.startswith("spark.driver.extraJavaOptions=")).split()
    assert {"-Xms5g", "-XX:+AlwaysPreTouch"} <= set(driver_options)
    assert argv[-6:] == [str(REPO_ROOT / "jobs" / "stream_silver.py"), "--env", "dev", *sets]


def test_unknown_job_is_a_clear_error():
    result = run("no_such_job", "--dry-run")
    assert result.returncode == 2
    assert "unknown job 'no_such_job'" in result.stderr


@pytest.mark.parametrize("flag", ["--help", "-h", "help"])
def test_help_flags(flag: str):
    assert run(flag).stdout.startswith("usage: ./spark-submit.sh <job>")
