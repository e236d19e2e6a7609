"""Object-storage servers for the cloud store's tests: moto (S3) and Azurite (Azure Blob).

Registered as a pytest plugin by tests/conftest.py. The fixtures start real servers on free
ports of 127.0.0.1, so the store is exercised over HTTP exactly as against AWS or Azure:

- ``s3_server`` (session): moto in server mode; ``.endpoint``, ``.env``.
- ``s3_bucket`` (function): a fresh bucket on it; ``.uri_prefix`` ("s3://csc-1a2b3c4d/store"),
  ``.env``, ``.storage_options``; the env is set for the test (monkeypatch), so in-process CLI
  runs and subprocesses inherit it.
- ``s3_secured_bucket`` (function): a fresh bucket on a second moto server that enforces IAM;
  its ``.env`` is an importer's (s3:GetObject, s3:PutObject, s3:ListBucket only), set for
  the test.
- ``s3_readonly_env`` (function): the AWS env of an analyst who may only read that bucket
  (s3:GetObject, s3:ListBucket); switch to it with ``use_env(monkeypatch, s3_readonly_env)``.
- ``azurite_server`` (session) and ``azure_container`` (function): the same for Azure Blob
  storage; ``.uri_prefix`` is "az://csc-1a2b3c4d/store" (``.abfss_prefix`` names the same
  place as abfss://CONTAINER@devstoreaccount1.dfs.core.windows.net/store); its ``.env``
  holds the account key (full rights).
- ``azure_readonly_env`` (function): the Azure env of an analyst holding a SAS token for
  that container with read and list rights only (``sp=rl``); ``azure_sas_env`` makes others.

A missing moto or Azurite skips the tests that need it, unless CI is set: then it fails,
since .ci/run installs both.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 20.0
REGION = "us-east-1"

# Azurite's well-known development account (documented by Microsoft; not a secret).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

# Prefixes of the variables the object-store libraries read: a test's cloud env is exactly
# the one it asks for, whatever the developer's shell holds.
_CLOUD_ENV_PREFIXES = ("AWS_", "AZURE_", "AZURITE_", "GOOGLE_")

# Memory only; accept any API version and unknown headers; no telemetry calls out.
AZURITE_FLAGS = ("--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--disableTelemetry")


@dataclass(frozen=True)
class ObjectServer:
    """A running storage server: its base URL and the env that reaches it with full rights."""

    endpoint: str
    env: dict[str, str]


@dataclass(frozen=True)
class CloudLocation:
    """A fresh, empty place for a store: the URI prefix to pass as --store and its env.

    storage_options are those a caller passes to deltalake beside the env (none are needed
    to reach the server: the env alone is what a user's shell would hold).
    """

    uri_prefix: str
    env: dict[str, str]
    bucket: str
    storage_options: dict[str, str] = field(default_factory=dict)
    abfss_prefix: str | None = None


@dataclass(frozen=True)
class SecuredS3Server:
    """A moto server enforcing IAM, with the env of each of its three users."""

    endpoint: str
    admin_env: dict[str, str]
    importer_env: dict[str, str]
    readonly_env: dict[str, str]


def use_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """Make `env` the test's whole cloud environment (AWS_*, AZURE_*, GOOGLE_*), until it ends."""
    for name in list(os.environ):
        if name.startswith(_CLOUD_ENV_PREFIXES) and name not in env:
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def _need(available: bool, what: str) -> None:
    """Skip when a server's software is missing; under CI, fail: .ci/run must install it."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required when CI is set (.ci/run installs it)")
    pytest.skip(f"{what} is not installed")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(command: list[str], probe_url: str, log: Path) -> subprocess.Popen:
    """Start a server and wait (bounded) until it answers HTTP at probe_url; fail with its log.

    Any HTTP answer, even an error status, means the server is up.
    """
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        try:
            urllib.request.urlopen(probe_url, timeout=1).close()
            return process
        except urllib.error.HTTPError:
            return process
        except OSError:
            pass
        exited = process.poll() is not None
        if exited or time.monotonic() > deadline:
            _stop(process)
            state = f"exited with {process.returncode}" if exited else "did not answer in time"
            pytest.fail(f"{command[0]} {state}; its log:\n{log.read_text(errors='replace')}")
        time.sleep(0.1)  # readiness polling, bounded by READY_TIMEOUT_S


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


# --- S3 (moto) ------------------------------------------------------------------------------


def _moto_command(port: int) -> list[str]:
    _need(
        importlib.util.find_spec("moto") is not None
        and importlib.util.find_spec("flask") is not None,
        "moto[server] (the S3 test server)",
    )
    script = Path(sys.executable).with_name("moto_server")
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "moto.server"]
    return [*launcher, "-H", "127.0.0.1", "-p", str(port)]


def _s3_env(endpoint: str, key_id: str = "testing", secret: str = "testing") -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ALLOW_HTTP": "true",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def _run_moto(tmp_path_factory: pytest.TempPathFactory, name: str):
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp(name) / "server.log"
    return _start(_moto_command(port), f"{endpoint}/moto-api/data.json", log), endpoint


def _boto_client(service: str, env: dict[str, str]):
    import boto3  # installed with moto

    return boto3.client(
        service,
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=REGION,
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


def _s3_location(bucket: str, env: dict[str, str], monkeypatch) -> CloudLocation:
    """The store place in `bucket`, with `env` set for the test.

    conditional_put=etag is what the lead checked; deltalake 1.6 commits with If-None-Match
    on S3 without it too (test_s3_commits_are_conditional_without_storage_options).
    """
    use_env(monkeypatch, env)
    options = {"conditional_put": "etag"}
    return CloudLocation(f"s3://{bucket}/store", dict(env), bucket, storage_options=options)


def _new_bucket(env: dict[str, str]) -> str:
    bucket = f"csc-{uuid.uuid4().hex[:8]}"
    _boto_client("s3", env).create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto in server mode, without IAM checks: any key pair may do anything."""
    process, endpoint = _run_moto(tmp_path_factory, "moto")
    try:
        yield ObjectServer(endpoint=endpoint, env=_s3_env(endpoint))
    finally:
        _stop(process)


@pytest.fixture
def s3_bucket(s3_server, monkeypatch) -> CloudLocation:
    """A fresh bucket; its env is set for the test."""
    return _s3_location(_new_bucket(s3_server.env), s3_server.env, monkeypatch)


def _policy(actions: list[str]) -> str:
    # Buckets are made per test, so the policies cover every csc-* bucket.
    resources = ["arn:aws:s3:::csc-*", "arn:aws:s3:::csc-*/*"]
    statement = {"Effect": "Allow", "Action": actions, "Resource": resources}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _iam_user(iam, endpoint: str, name: str, actions: list[str]) -> dict[str, str]:
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName=f"{name}-s3", PolicyDocument=_policy(actions))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return _s3_env(endpoint, key["AccessKeyId"], key["SecretAccessKey"])


@pytest.fixture(scope="session")
def s3_iam_server(tmp_path_factory):
    """A second moto server that enforces IAM, with an admin, an importer and an analyst.

    The users are made while moto checks nothing; then POST /moto-api/reset-auth with 0
    makes every later request authenticate (signature, known key) and be authorised by
    the user's policies. A separate server, so the open one's "testing" keys keep working.
    """
    process, endpoint = _run_moto(tmp_path_factory, "moto-iam")
    try:
        iam = _boto_client("iam", _s3_env(endpoint))
        server = SecuredS3Server(
            endpoint=endpoint,
            admin_env=_iam_user(iam, endpoint, "admin", ["s3:*"]),
            importer_env=_iam_user(
                iam, endpoint, "importer", ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]
            ),
            readonly_env=_iam_user(iam, endpoint, "analyst", ["s3:GetObject", "s3:ListBucket"]),
        )
        request = urllib.request.Request(
            f"{endpoint}/moto-api/reset-auth",
            data=b"0",
            method="POST",
            headers={"Content-Type": "text/plain"},  # moto reads the raw body
        )
        urllib.request.urlopen(request, timeout=5).close()
        yield server
    finally:
        _stop(process)


@pytest.fixture
def s3_secured_bucket(s3_iam_server, monkeypatch) -> CloudLocation:
    """A fresh bucket on the IAM-enforcing server; the importer's env is set for the test."""
    bucket = _new_bucket(s3_iam_server.admin_env)
    return _s3_location(bucket, s3_iam_server.importer_env, monkeypatch)


@pytest.fixture
def s3_readonly_env(s3_secured_bucket, s3_iam_server) -> dict[str, str]:
    """The AWS env of an analyst who may read s3_secured_bucket but not write to it."""
    return dict(s3_iam_server.readonly_env)


# --- Azure (Azurite) ------------------------------------------------------------------------


def _azurite_command(port: int) -> list[str]:
    local = ROOT / ".ci" / "node" / "node_modules" / ".bin" / "azurite-blob"
    program = shutil.which("azurite-blob") or (str(local) if local.exists() else None)
    _need(
        shutil.which("node") is not None and program is not None,
        "Azurite (the Azure Storage emulator: node and `npm install --prefix .ci/node azurite`)",
    )
    return [program, "--blobHost", "127.0.0.1", "--blobPort", str(port), *AZURITE_FLAGS]


def _azure_env(endpoint: str) -> dict[str, str]:
    # object_store's use_emulator sends path-style requests to AZURITE_BLOB_STORAGE_URL
    # (default http://127.0.0.1:10000) with the account's shared key, over plain HTTP.
    return {
        "AZURE_STORAGE_ACCOUNT_NAME": AZURITE_ACCOUNT,
        "AZURE_STORAGE_ACCOUNT_KEY": AZURITE_KEY,
        "AZURE_STORAGE_USE_EMULATOR": "true",
        "AZURITE_BLOB_STORAGE_URL": endpoint,
    }


@pytest.fixture(scope="session")
def azurite_server(tmp_path_factory):
    """Azurite's blob service (all delta-rs, polars and obstore use) with memory storage."""
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("azurite") / "server.log"
    process = _start(_azurite_command(port), f"{endpoint}/{AZURITE_ACCOUNT}?comp=list", log)
    try:
        yield ObjectServer(endpoint=endpoint, env=_azure_env(endpoint))
    finally:
        _stop(process)


def _azurite_signature(lines: list[str]) -> str:
    """The account key's HMAC-SHA256 of the lines joined by newlines, base64: Azure's signature."""
    message = "\n".join(lines).encode()
    return base64.b64encode(
        hmac.new(base64.b64decode(AZURITE_KEY), message, hashlib.sha256).digest()
    ).decode()


def _create_container(endpoint: str, container: str) -> None:
    """Create a blob container with a Shared Key-signed REST call (no Azure SDK needed)."""
    date = formatdate(usegmt=True)
    version = "2021-08-06"
    # Verb, eleven empty standard headers, the x-ms-* headers, then the canonical resource
    # (Azurite's path-style URLs repeat the account name).
    headers = [f"x-ms-date:{date}", f"x-ms-version:{version}"]
    resource = [f"/{AZURITE_ACCOUNT}/{AZURITE_ACCOUNT}/{container}", "restype:container"]
    signature = _azurite_signature(["PUT", *[""] * 11, *headers, *resource])
    request = urllib.request.Request(
        f"{endpoint}/{AZURITE_ACCOUNT}/{container}?restype=container",
        method="PUT",
        headers={
            "x-ms-date": date,
            "x-ms-version": version,
            "Content-Length": "0",
            "Authorization": f"SharedKey {AZURITE_ACCOUNT}:{signature}",
        },
    )
    urllib.request.urlopen(request, timeout=5).close()


@pytest.fixture
def azure_container(azurite_server, monkeypatch) -> CloudLocation:
    """A fresh container on Azurite; its env is set for the test."""
    container = f"csc-{uuid.uuid4().hex[:8]}"
    _create_container(azurite_server.endpoint, container)
    use_env(monkeypatch, azurite_server.env)
    return CloudLocation(
        uri_prefix=f"az://{container}/store",
        env=dict(azurite_server.env),
        bucket=container,
        abfss_prefix=f"abfss://{container}@{AZURITE_ACCOUNT}.dfs.core.windows.net/store",
    )


def container_sas(container: str, permissions: str) -> str:
    """A service SAS token for one Azurite container, valid for an hour.

    `permissions` are SAS letters in their canonical order: "rl" reads and lists, "rlcw"
    also creates and writes blobs. Signed with the account key (service SAS, version
    2020-12-06: sixteen newline-separated fields).
    """
    version = "2020-12-06"
    expiry = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    fields = [permissions, "", expiry, f"/blob/{AZURITE_ACCOUNT}/{container}", "", "", ""]
    fields += [version, "c", *[""] * 7]
    query = {"sv": version, "sr": "c", "sp": permissions, "se": expiry}
    return urllib.parse.urlencode({**query, "sig": _azurite_signature(fields)})


def azure_sas_env(location: CloudLocation, permissions: str) -> dict[str, str]:
    """The env of a user who holds a SAS token for `location`'s container, not the key."""
    env = {
        name: value for name, value in location.env.items() if name != "AZURE_STORAGE_ACCOUNT_KEY"
    }
    return {**env, "AZURE_STORAGE_SAS_TOKEN": container_sas(location.bucket, permissions)}


@pytest.fixture
def azure_readonly_env(azure_container) -> dict[str, str]:
    """The Azure env of an analyst who may read and list azure_container but not write."""
    return azure_sas_env(azure_container, "rl")
