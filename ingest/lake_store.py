"""Where the lake's files live: a local folder (the default) or an S3-compatible bucket.

Every writer and reader of the lake goes through `store()`: ingest lands batches and quarantine
files with `put_file`, builds and the gate list them with `list` and read them through DuckDB
at `url(key)` on a connection set up by `configure`. Keys are paths relative to the lake root:
`raw/<source>/<batch>.parquet`, `quarantine/<source>/<batch>.csv`.

AFTERSHOCK_LAKE_URL=s3://bucket/prefix moves the lake to object storage, with the standard
AWS_ENDPOINT_URL (an S3-compatible server), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
AWS_REGION variables. A batch is one PUT of a finished local file (multipart for large ones, which
S3 also shows only once complete), so an object appears whole or not at all and landing the same
key again replaces it: the guarantees of the local rename hold.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from ingest.errors import IngestError
from kernel import settings
from kernel.files import TMP_MARK, atomic_write, pid_alive

LAKE_URL_ENV = "AFTERSHOCK_LAKE_URL"


@dataclass(frozen=True)
class StoredFile:
    key: str  # relative to the lake root, e.g. raw/prices/sample-prices.parquet
    bytes: int
    modified_ns: int
    # The object's ETag in S3, whose modification times have one-second steps; empty locally, where the
    # nanosecond mtime already changes with every landing (and a copied lake keeps it).
    etag: str

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]

    @property
    def stem(self) -> str:
        return self.name.rsplit(".", 1)[0]


# ---- local file helpers (also used for the warehouse and state files) -------------------------


def sweep_stale_temp(folder: Path) -> list[Path]:
    """Remove temp files left by a writer that died (its pid no longer runs)."""
    removed = []
    if not folder.is_dir():
        return removed
    for p in folder.iterdir():
        if TMP_MARK not in p.name:
            continue
        try:
            pid = int(p.name.rsplit(TMP_MARK, 1)[1])
        except ValueError:
            pid = -1
        if pid < 0 or not pid_alive(pid) or pid == os.getpid():
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed


# ---- the two stores --------------------------------------------------------------------------


class LakeStore(Protocol):
    def list(self, folder: str, suffix: str = ".parquet") -> list[StoredFile]: ...
    def subfolders(self, folder: str) -> list[str]: ...
    def put_file(self, key: str, local: Path) -> str: ...
    def exists(self, key: str) -> bool: ...
    def read_bytes(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def url(self, key: str) -> str: ...
    def scratch_dir(self, folder: str = "") -> Path: ...
    def sweep(self, folder: str) -> None: ...


class LocalStore:
    """The lake as a folder (AFTERSHOCK_DATA_DIR/lake): temp file, fsync, rename."""

    def __init__(self, root: Path):
        self.root = root

    def __repr__(self) -> str:
        return f"LocalStore({self.root})"

    def list(self, folder: str, suffix: str = ".parquet") -> list[StoredFile]:
        d = self.root / folder
        if not d.is_dir():
            return []
        out = []
        for f in sorted(d.iterdir()):
            # A landing in progress is a hidden temp file, never a batch.
            if f.name.startswith(".") or not f.name.endswith(suffix) or not f.is_file():
                continue
            st = f.stat()
            out.append(StoredFile(f"{folder}/{f.name}", st.st_size, st.st_mtime_ns, ""))
        return out

    def subfolders(self, folder: str) -> list[str]:
        d = self.root / folder
        return sorted(p.name for p in d.iterdir() if p.is_dir() and not p.name.startswith(".")) if d.is_dir() else []

    def put_file(self, key: str, local: Path) -> str:
        """Move a finished local file into place under `key` (rename: whole or not at all)."""
        target = self.root / key
        atomic_write(target, lambda tmp: os.replace(local, tmp))
        return str(target)

    def exists(self, key: str) -> bool:
        return (self.root / key).is_file()

    def read_bytes(self, key: str) -> bytes:
        return (self.root / key).read_bytes()

    def delete(self, key: str) -> None:
        (self.root / key).unlink(missing_ok=True)

    def url(self, key: str) -> str:
        return str(self.root / key)

    def root_url(self) -> str:
        return str(self.root)

    def scratch_dir(self, folder: str = "") -> Path:
        """Where a file for `folder` is finished: in the lake folder itself (the same file system, so the
        final rename is atomic; a hidden temp name is never listed as a batch)."""
        d = self.root / folder
        d.mkdir(parents=True, exist_ok=True)
        return d

    def sweep(self, folder: str) -> None:
        sweep_stale_temp(self.root / folder)


class S3Store:
    """The lake as s3://bucket/prefix on AWS or any S3-compatible server (AWS_ENDPOINT_URL)."""

    def __init__(self, url: str, setting: str = LAKE_URL_ENV):
        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise IngestError(f"{setting}={url!r}: expected s3://bucket/prefix")
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")

    def __repr__(self) -> str:
        return f"S3Store({self.root_url()})"

    @functools.cached_property
    def client(self):
        import boto3  # only the S3 lake needs it

        # Keys come from boto3's own chain (the AWS_* variables, a profile, an instance role); an empty
        # AWS_ENDPOINT_URL (as compose passes when it is unset) means AWS itself.
        return boto3.client(
            "s3",
            endpoint_url=os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None,
            region_name=s3_endpoint().region,
        )

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def list(self, folder: str, suffix: str = ".parquet") -> list[StoredFile]:
        base = self._key(folder).rstrip("/") + "/"
        out = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=base):
            for obj in page.get("Contents", []):
                rel = obj["Key"][len(base) :]
                if "/" in rel or not rel.endswith(suffix) or rel.startswith("."):
                    continue
                out.append(
                    StoredFile(
                        f"{folder}/{rel}",
                        obj["Size"],
                        int(obj["LastModified"].timestamp() * 1e9),
                        obj["ETag"].strip('"'),
                    )
                )
        return sorted(out, key=lambda f: f.key)

    def subfolders(self, folder: str) -> list[str]:
        base = self._key(folder).rstrip("/") + "/"
        out = []
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=base, Delimiter="/"
        ):
            out += [p["Prefix"][len(base) :].rstrip("/") for p in page.get("CommonPrefixes", [])]
        return sorted(n for n in out if n and not n.startswith("."))

    def put_file(self, key: str, local: Path) -> str:
        """Upload a finished local file as `key` and remove it: S3 shows the object only once it is complete."""
        try:
            return self.upload(key, local)
        finally:
            Path(local).unlink(missing_ok=True)

    def upload(self, key: str, local: Path) -> str:
        self.client.upload_file(str(local), self.bucket, self._key(key))
        return self.url(key)

    def put_bytes(self, key: str, body: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=body)

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def read_bytes(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def root_url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def scratch_dir(self, folder: str = "") -> Path:
        """Files are finished in a local scratch folder, then uploaded; nothing of the lake stays there."""
        d = settings.data_dir() / "scratch"
        d.mkdir(parents=True, exist_ok=True)
        return d

    def sweep(self, folder: str) -> None:
        # A PUT leaves no partial object behind; only local scratch of a dead writer is left.
        sweep_stale_temp(settings.data_dir() / "scratch")


def lake_url() -> str | None:
    return settings.settings().lake_url.strip() or None


def store() -> LocalStore | S3Store:
    url = lake_url()
    if url is None:
        return LocalStore(settings.lake_dir())
    return S3Store(url)


def is_remote() -> bool:
    return lake_url() is not None


# ---- DuckDB access ----------------------------------------------------------------------------


def extension_path(name: str) -> Path:
    """The .duckdb_extension file inside the pinned PyPI wheel duckdb-extension-<name> (no download)."""
    import importlib

    import duckdb

    try:
        pkg = importlib.import_module(f"duckdb_extension_{name}")
    except ImportError as exc:
        raise IngestError(
            f"the DuckDB {name} extension is not installed (pip package duckdb-extension-{name})"
        ) from exc
    found = sorted(Path(pkg.__file__).parent.glob(f"extensions/v{duckdb.__version__}/{name}.duckdb_extension"))
    if not found:
        raise IngestError(f"duckdb-extension-{name} has no {name}.duckdb_extension for DuckDB {duckdb.__version__}")
    return found[0]


@dataclass(frozen=True)
class S3Endpoint:
    """The S3 endpoint as DuckDB's secret wants it (host:port, ssl or not, path-style for local servers)."""

    endpoint: str
    use_ssl: bool
    url_style: str
    region: str


def s3_endpoint() -> S3Endpoint:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    url = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if not url:
        return S3Endpoint(f"s3.{region}.amazonaws.com", True, "vhost", region)
    parsed = urlparse(url)
    # A self-hosted server (moto, MinIO) serves buckets as paths, not as host names.
    return S3Endpoint(parsed.netloc or parsed.path, parsed.scheme == "https", "path", region)


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def s3_secret_sql(name: str = "aftershock_s3") -> str:
    ep = s3_endpoint()
    common = (
        f"TYPE s3, REGION {_sql_str(ep.region)}, ENDPOINT {_sql_str(ep.endpoint)}, "
        f"URL_STYLE {_sql_str(ep.url_style)}, USE_SSL {str(ep.use_ssl).lower()}"
    )
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if key and secret:
        token = os.environ.get("AWS_SESSION_TOKEN")
        creds = f", KEY_ID {_sql_str(key)}, SECRET {_sql_str(secret)}" + (
            f", SESSION_TOKEN {_sql_str(token)}" if token else ""
        )
        return f"CREATE OR REPLACE TEMPORARY SECRET {name} ({common}{creds})"
    # No keys in the environment: the AWS SDK's chain (instance role, profile), from the aws extension.
    return f"CREATE OR REPLACE TEMPORARY SECRET {name} ({common}, PROVIDER credential_chain)"


def s3_setup_sql(secret_name: str = "aftershock_s3") -> list[str]:
    """Statements that let a DuckDB session (Python or the shell) read s3:// URLs: httpfs from its wheel
    (and the aws extension for the credential chain when no keys are set), then the S3 secret."""
    sql = [f"LOAD {_sql_str(str(extension_path('httpfs')))}"]
    if not (os.environ.get("AWS_ACCESS_KEY_ID") and os.environ.get("AWS_SECRET_ACCESS_KEY")):
        sql.append(f"LOAD {_sql_str(str(extension_path('aws')))}")
    return sql + [s3_secret_sql(secret_name)]


def configure(con, remote: bool | None = None) -> None:
    """Make a DuckDB connection able to read the lake when it is in an object store; nothing for a local lake."""
    if not (is_remote() if remote is None else remote):
        return
    for sql in s3_setup_sql():
        con.execute(sql)


def dbt_env() -> dict[str, str]:
    """What dbt's profile and source definitions need to read this lake (see dbt/profiles.yml)."""
    s = store()
    env = {"AFTERSHOCK_LAKE_ROOT": s.root_url()}
    if isinstance(s, S3Store):
        ep = s3_endpoint()
        env.update(
            {
                "AFTERSHOCK_DBT_TARGET": "build_s3",
                "AFTERSHOCK_HTTPFS_EXTENSION": str(extension_path("httpfs")),
                "AFTERSHOCK_S3_ENDPOINT": ep.endpoint,
                "AFTERSHOCK_S3_USE_SSL": str(ep.use_ssl).lower(),
                "AFTERSHOCK_S3_URL_STYLE": ep.url_style,
                "AWS_REGION": ep.region,
            }
        )
    return env
