"""Real servers the scale-out tests start on 127.0.0.1: moto's S3 server, Redis and Postgres.

Each helper starts one server on a free port in a temp dir and stops it when the block ends.
Redis and Postgres come from Debian's packages (.ci/run installs them); where they are missing the
caller skips with the reason `missing()` gives.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

BUCKET = "aftershock-test"
S3_KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


@contextmanager
def moto_s3(bucket: str = BUCKET):
    """moto's S3-compatible server in this process (a thread); yields the AWS_* environment that reaches it."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        _wait_port(port, "moto server")
        env = {**S3_KEYS, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
        boto3.client(
            "s3",
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).create_bucket(Bucket=bucket)
        yield env
    finally:
        server.stop()


def s3_client(env: dict[str, str]):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


def keys(env: dict[str, str], prefix: str, bucket: str = BUCKET) -> list[str]:
    pages = s3_client(env).get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


# ---- Redis and Postgres from Debian's packages -------------------------------------------------


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def missing() -> str | None:
    """Why the Celery test cannot run here, or None."""
    if not shutil.which("redis-server"):
        return "redis-server is not installed (.ci/run installs Debian's redis-server)"
    if _pg_bin() is None:
        return "PostgreSQL is not installed (.ci/run installs Debian's postgresql)"
    return None


@contextmanager
def redis_server(workdir: Path):
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=open(workdir / "redis.log", "w"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_port(port, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _as_postgres(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    """initdb and postgres refuse to run as root: run them as the `postgres` user there."""
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


@contextmanager
def postgres_server():
    """A throwaway cluster (trust auth, 127.0.0.1 only) in its own temp dir, which the `postgres` user owns
    when we are root; yields a SQLAlchemy URL of its database `airflow`."""
    pg = _pg_bin()
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="aftershock-pg-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
    data = workdir / "pgdata"
    proc = None
    try:
        _as_postgres([str(pg / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"])
        proc = subprocess.Popen(
            (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
            + [
                str(pg / "postgres"),
                "-D",
                str(data),
                "-p",
                str(port),
                "-h",
                "127.0.0.1",
                "-k",
                str(workdir),
                "-c",
                "fsync=off",
                "-c",
                "max_connections=200",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(port, "postgres")
        for attempt in range(50):
            try:
                _as_postgres([str(pg / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "airflow"])
                break
            except subprocess.CalledProcessError:
                if attempt == 49:
                    raise
                time.sleep(0.3)  # listening, but still starting up
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/airflow"
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=60)
        shutil.rmtree(workdir, ignore_errors=True)
