"""The store on object storage: S3 (a moto server) and Azure Blob storage (Azurite), over HTTP
on this machine, as against AWS or Azure.

Every command runs on a URI store and prints what it prints on a local store holding the
same imports; other readers (Polars' and the Delta library's own Delta readers, stand-ins for
Spark, Fabric and Power BI) read the figures ``csc-perf export`` prints; councils importing at
once all land, or exit 75 after the bound, never with a lost or mixed figure; an import killed
with SIGKILL leaves the old or the new state; read-only credentials read but cannot import;
no secret is printed or stored. Figures asserted come from the example extracts (the seed
report's October 2024 column) and hand counts.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from cloud_servers import use_env
from conftest import MONTHLY, ROOT, WORKBOOK

OCTOBER = MONTHLY[-1]  # csc-extract-2024-10.csv
# Eight councils of the South East (DfE LA numbers): the regional group of the issue.
COUNCILS = ("852", "867", "868", "869", "870", "871", "872", "886")


@pytest.fixture(params=["s3", "azure"])
def cloud(request):
    """A fresh, empty place for a store on each server, its environment set."""
    name = "s3_bucket" if request.param == "s3" else "azure_container"
    return request.getfixturevalue(name)


def lines(result) -> list[str]:
    return result.stdout.splitlines()


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def council_extract(folder: Path, authority: str, shift: int = 0) -> Path:
    """The October 2024 example extract for ``authority`` (an Authority column), every
    figure ``shift`` higher."""
    source = rows(OCTOBER.read_text(encoding="utf-8"))
    path = folder / f"extract-{authority}-{shift}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["Authority", "Indicator", "Month", "Value"])
        for row in source:
            value = row["Value"]
            number = value.rstrip("%")
            if number.strip():  # a blank stays blank
                value = f"{float(number) + shift:g}" + ("%" if value.endswith("%") else "")
            out.writerow([authority, row["Indicator"], row["Month"], value])
    return path


def run(store: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """csc-perf in its own process, as a cron job runs it."""
    return subprocess.run(
        [sys.executable, "-m", "csc_perf", "--store", store, *args],
        env={**os.environ, "CSC_PERF_CONFIG": str(ROOT / "indicators.toml"), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def export_rows(store: str) -> list[dict]:
    """Every stored figure, as ``csc-perf export`` prints them."""
    result = run(store, "export", "-f", "csv")
    assert result.returncode == 0, result.stderr
    return rows(result.stdout)


# -- the month's workflow ------------------------------------------------------------------
COMMANDS = (
    ("rag", "--month", "2024-10", "-f", "csv"),
    ("report", "--month", "2024-10", "-f", "md"),
    ("trend", "contacts", "-f", "csv"),
    ("summary", "--month", "2024-10", "-f", "csv"),
    ("history", "--diff", "--from", "1", "-f", "csv"),
    ("export", "--as-of", "1", "-f", "csv"),
    ("export", "-f", "csv"),
)


def test_month_workflow_on_a_uri_store(workspace, cli, cloud, tmp_path):
    local = tmp_path / "local"
    for store in (str(local), cloud.uri_prefix):
        assert cli("--store", store, "import", *MONTHLY).exit_code == 0
        result = cli("--store", store, "import", WORKBOOK)
        assert result.exit_code == 0, result.output
    # The seed report's October 2024 figures, read back from the URI store.
    rag = {r["indicator"]: r for r in rows(cli("--store", cloud.uri_prefix, *COMMANDS[0]).stdout)}
    assert rag["early_help_referrals"]["value"] == "196.0"
    assert rag["early_help_referrals"]["previous_value"] == "100.0"
    assert rag["contacts"]["value"] == "1928.0"
    # Every command prints on the URI store what it prints on the local one.
    for command in COMMANDS:
        on_local = cli("--store", local, *command)
        on_cloud = cli("--store", cloud.uri_prefix, *command)
        assert on_cloud.exit_code == 0, (command, on_cloud.output)
        assert on_cloud.stdout == on_local.stdout, command
    # Version 1 holds the 13 monthly extracts: 70 figures each (counted from the files).
    monthly_rows = sum(len(rows(p.read_text(encoding="utf-8"))) for p in MONTHLY)
    assert monthly_rows == 910
    assert len(rows(cli("--store", cloud.uri_prefix, *COMMANDS[5]).stdout)) == 910
    history = rows(cli("--store", cloud.uri_prefix, "history", "-f", "csv").stdout)
    assert [h["operation"] for h in history] == ["create", "import", "import"]
    assert history[1]["inserted"] == "910"
    checked = cli("--store", cloud.uri_prefix, "store", "check")
    assert checked.exit_code == 0 and "sound (version 2)" in checked.output
    compacted = cli("--store", cloud.uri_prefix, "store", "compact")
    assert compacted.exit_code == 0, compacted.output
    assert "compacted as version 3" in compacted.output
    after = cli("--store", cloud.uri_prefix, *COMMANDS[0])
    assert after.stdout == cli("--store", local, *COMMANDS[0]).stdout
    assert "sound (version 3)" in cli("--store", cloud.uri_prefix, "store", "check").output
    # Nothing was made on the local disk for the URI (once: a folder "s3:/bucket/...").
    assert sorted(p.name for p in workspace.iterdir()) == ["indicators.toml", "local"]


def test_reference_tables_on_a_uri_store(workspace, cli, s3_bucket):
    dfe = ROOT / "examples" / "extracts" / "dfe"
    store = s3_bucket.uri_prefix
    assert cli("--store", store, "import", *MONTHLY).exit_code == 0
    population = cli("--store", store, "population", "import", *dfe.glob("ons_*.csv"))
    assert population.exit_code == 0, population.output
    assert "329 estimates for 166 areas" in population.output
    result = cli("--store", store, "benchmarks", "import", *sorted(dfe.glob("*_2023_to_2024.*")))
    assert result.exit_code == 0, result.output
    shown = cli("--store", store, "benchmarks", "show", "referrals_rate", "-f", "csv")
    # Southampton's referral rate 2023/24 from the DfE's c1 count (3,094) over the ONS
    # mid-2023 estimate, 611.5 as tests/test_benchmark_rates.py checks against LAIT.
    year = {r["financial_year"]: r for r in rows(shown.stdout)}["2023/24"]
    assert round(float(year["authority"]), 1) == 611.5


def test_other_readers_see_the_figures_export_prints(workspace, cli, cloud):
    from deltalake import DeltaTable

    assert cli("--store", cloud.uri_prefix, "import", *MONTHLY[-3:]).exit_code == 0
    exported = pl.read_csv(
        io.StringIO(cli("--store", cloud.uri_prefix, "export", "-f", "csv").stdout),
        schema_overrides={"authority": pl.String, "value": pl.Float64},
    )
    key = ["authority", "indicator", "month"]
    expected = exported.select(*key, "value", "status").with_columns(pl.col("month").str.to_date())
    table = f"{cloud.uri_prefix}/observations"
    by_polars = pl.scan_delta(table, storage_options=cloud.storage_options).collect()
    by_delta = pl.DataFrame(
        DeltaTable(table, storage_options=cloud.storage_options).to_pyarrow_table()
    )
    for frame in (by_polars, by_delta):
        got = frame.select(*key, "value", "status").sort(key)
        assert got.equals(expected.sort(key)), got
    assert expected.height == 210  # three monthly extracts of 70 figures


def test_the_table_describes_itself(workspace, cli, s3_bucket):
    import boto3
    from deltalake import DeltaTable

    assert cli("--store", s3_bucket.uri_prefix, "import", OCTOBER).exit_code == 0
    s3 = boto3.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket.bucket)["Contents"]]
    assert not [k for k in keys if k.endswith(("csc-perf-store.json", ".lock"))]
    assert any("/observations/authority=852/" in k for k in keys)  # partitioned by authority
    table = DeltaTable(f"{s3_bucket.uri_prefix}/observations")
    assert table.metadata().partition_columns == ["authority"]
    assert "csc-perf store" in table.metadata().description
    import json

    record = json.loads(table.history(1)[0]["csc_perf"])
    assert record["operation"] == "import"
    assert record["files"][0]["sha256"] == hashlib.sha256(OCTOBER.read_bytes()).hexdigest()
    assert record["inserted"] == 70 and record["attempt"] == 1


def test_a_delta_table_not_made_by_csc_perf_is_refused(workspace, cli, s3_bucket):
    from deltalake import write_deltalake

    write_deltalake(f"{s3_bucket.uri_prefix}/observations", pl.DataFrame({"x": [1]}).to_arrow())
    result = cli("--store", s3_bucket.uri_prefix, "rag")
    assert result.exit_code == 2
    assert "not a csc-perf store" in result.output
    assert "Traceback" not in result.output


# -- councils importing at once ------------------------------------------------------------
def test_eight_councils_import_at_once(workspace, cloud, tmp_path):
    store = cloud.uri_prefix
    assert run(store, "import", council_extract(tmp_path, "850")).returncode == 0
    files = [council_extract(tmp_path, code, shift=int(code) % 7) for code in COUNCILS]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "csc_perf", "--store", store, "import", str(path)],
            env={**os.environ, "CSC_PERF_CONFIG": str(ROOT / "indicators.toml")},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in files
    ]
    outcomes = [(p.wait(timeout=300), p.stderr.read()) for p in processes]
    assert [code for code, _ in outcomes] == [0] * 8, outcomes
    stored = export_rows(store)
    assert {r["authority"] for r in stored} == {"850", *COUNCILS}
    for code, path in zip(COUNCILS, files, strict=True):
        mine = [r for r in stored if r["authority"] == code]
        assert len(mine) == len(rows(path.read_text(encoding="utf-8"))) == 70
        # Each council's own figures, by the extract row each came from.
        source = rows(path.read_text(encoding="utf-8"))
        for row in mine:
            cell = source[int(row["source_row"]) - 2]["Value"].rstrip("%")
            assert (row["value"] == "") == (cell == "")
            if cell:
                assert float(row["value"]) == float(cell), (code, row)
    import json

    from deltalake import DeltaTable

    records = [
        json.loads(h["csc_perf"])
        for h in DeltaTable(f"{store}/observations").history()
        if "csc_perf" in h
    ]
    imports = [r for r in records if r["operation"] == "import"]
    assert len(imports) == 9
    # Each council's commit touched only its own partition: none had to plan again.
    assert [r["attempt"] for r in imports] == [1] * 9


def test_one_council_importing_four_times_at_once(workspace, cloud, tmp_path):
    """Four imports of the same authority's month, each with different figures: each lands
    (or gives up with exit 75), and the store ends holding exactly one file's figures, the
    last to commit's; every commit replaced all 70 figures of the one before it."""
    store = cloud.uri_prefix
    assert run(store, "import", council_extract(tmp_path, "852")).returncode == 0
    files = {shift: council_extract(tmp_path, "852", shift) for shift in (1, 2, 3, 4)}
    processes = {
        shift: subprocess.Popen(
            [sys.executable, "-m", "csc_perf", "--store", store, "import", str(path)],
            env={**os.environ, "CSC_PERF_CONFIG": str(ROOT / "indicators.toml")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for shift, path in files.items()
    }
    codes = {shift: p.wait(timeout=300) for shift, p in processes.items()}
    assert set(codes.values()) <= {0, 75}, codes
    landed = [shift for shift, code in codes.items() if code == 0]
    assert landed
    import json

    from deltalake import DeltaTable

    history = DeltaTable(f"{store}/observations").history()  # newest first
    records = [json.loads(h["csc_perf"]) for h in history if "csc_perf" in h]
    imports = [r for r in records if r["operation"] == "import"][:-1]  # not the first
    assert len(imports) == len(landed)
    # 68 of the 70 October cells hold a figure (2 are blank, and a blank never erases).
    assert [r["updated"] for r in imports] == [68] * len(landed), imports
    last = Path(imports[0]["files"][0]["path"]).name
    last_shift = next(s for s, p in files.items() if p.name == last)
    source = rows(files[last_shift].read_text(encoding="utf-8"))
    stored = export_rows(store)
    assert len(stored) == 70
    for row in stored:
        cell = source[int(row["source_row"]) - 2]["Value"].rstrip("%")
        if cell:  # not one figure from another file (the 2 blanks keep the first import's)
            assert Path(row["source_file"]).name == last
            assert float(row["value"]) == float(cell), row


def test_exit_75_when_other_writers_keep_conflicting(workspace, cli, s3_bucket, monkeypatch):
    from deltalake.exceptions import CommitFailedError

    from csc_perf.store import writing
    from csc_perf.store.importing import Imports

    assert cli("--store", s3_bucket.uri_prefix, "import", MONTHLY[0]).exit_code == 0
    attempts = []

    def always_conflicting(self, *args):
        attempts.append(args[-1])
        raise CommitFailedError("a concurrent transaction added new data")

    monkeypatch.setattr(Imports, "_import_once", always_conflicting)
    monkeypatch.setattr(writing.time, "sleep", lambda seconds: None)  # no waiting in tests
    result = cli("--store", s3_bucket.uri_prefix, "import", OCTOBER)
    assert result.exit_code == 75
    assert "conflicted with it 10 times; nothing was written" in result.output
    assert attempts == list(range(1, 11))


# -- killed mid-import -----------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("point", ["before-commit", "after-commit"])
def test_an_import_killed_leaves_the_old_or_the_new_state(workspace, s3_bucket, point):
    store = s3_bucket.uri_prefix
    assert run(store, "import", MONTHLY[0]).returncode == 0
    old = export_rows(store)
    killed = run(store, "import", OCTOBER, env={"CSC_PERF_CRASH_AT": point})
    assert killed.returncode == -signal.SIGKILL
    state = export_rows(store)
    assert run(store, "store", "check").returncode == 0
    if point == "before-commit":
        assert state == old
    else:
        assert len(state) == len(old) + 70  # the commit landed whole
    assert run(store, "import", OCTOBER).returncode == 0  # and the next import works


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_killed_while_writing_its_data_files(workspace, s3_bucket, tmp_path):
    """SIGKILL the moment the import's first data file appears in the bucket (written,
    not yet committed): the store still reads the old state, and passes its check."""
    import boto3

    store = s3_bucket.uri_prefix
    assert run(store, "import", MONTHLY[0]).returncode == 0
    old = export_rows(store)
    s3 = boto3.client("s3")

    def data_files() -> set[str]:
        listed = s3.list_objects_v2(Bucket=s3_bucket.bucket, Prefix="store/observations/")
        return {o["Key"] for o in listed.get("Contents", []) if o["Key"].endswith(".parquet")}

    before = data_files()
    process = subprocess.Popen(
        [sys.executable, "-m", "csc_perf", "--store", store, "import", *MONTHLY[1:]],
        env={**os.environ, "CSC_PERF_CONFIG": str(ROOT / "indicators.toml")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while process.poll() is None and data_files() == before:
        pass  # watching the bucket, not waiting on a clock
    process.kill()
    process.wait(timeout=60)
    state = export_rows(store)
    assert state == old or len(state) == 910
    assert run(store, "store", "check").returncode == 0


# -- permissions and secrets ---------------------------------------------------------------
@pytest.mark.parametrize("server", ["s3", "azure"])
def test_read_only_credentials_read_but_cannot_import(workspace, cli, request, monkeypatch, server):
    if server == "s3":  # an IAM policy of s3:GetObject and s3:ListBucket only
        place = request.getfixturevalue("s3_secured_bucket")
        reader = request.getfixturevalue("s3_readonly_env")
    else:  # a SAS token with read and list rights only (sp=rl)
        place = request.getfixturevalue("azure_container")
        reader = request.getfixturevalue("azure_readonly_env")
    store = place.uri_prefix
    assert cli("--store", store, "import", *MONTHLY[-2:]).exit_code == 0
    use_env(monkeypatch, reader)
    rag = rows(cli("--store", store, "rag", "--month", "2024-10", "-f", "csv").stdout)
    assert {r["indicator"]: r["value"] for r in rag}["contacts"] == "1928.0"
    history = cli("--store", store, "history", "-f", "csv").stdout
    result = cli("--store", store, "import", MONTHLY[0])
    assert result.exit_code == 2
    assert "access denied" in result.output
    assert "nothing was changed" in result.output
    assert "Traceback" not in result.output
    assert cli("--store", store, "history", "-f", "csv").stdout == history


def test_no_secret_is_printed_or_stored(workspace, cli, s3_bucket, monkeypatch):
    secret = "csc-test-secret-5f0e1d"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)  # moto takes any key
    store = s3_bucket.uri_prefix
    assert cli("--store", store, "import", OCTOBER).exit_code == 0
    import boto3

    s3 = boto3.client("s3")
    for item in s3.list_objects_v2(Bucket=s3_bucket.bucket)["Contents"]:
        body = s3.get_object(Bucket=s3_bucket.bucket, Key=item["Key"])["Body"].read()
        assert secret.encode() not in body, item["Key"]
    # An option in indicators.toml that is a secret, and a store that cannot be reached.
    config = workspace / "indicators.toml"
    text = config.read_text(encoding="utf-8").replace(
        "[workspace]",
        '[workspace]\nstore = "s3://no-such-bucket-csc/store"\n'
        f'storage_options = {{ aws_secret_access_key = "{secret}-toml", '
        'aws_endpoint_url = "http://127.0.0.1:9" }',
        1,
    )
    config.write_text(text, encoding="utf-8")
    for command in (("rag",), ("import", str(OCTOBER)), ("history",), ("store", "check")):
        result = cli(*command)
        assert result.exit_code == 2, (command, result.output)
        assert secret not in result.output
        assert "cannot reach the store" in result.output or "store" in result.output


# -- where the store is ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "uri"),
    [
        ("s3://council-csc/store/", "s3://council-csc/store"),
        ("s3://council-csc", "s3://council-csc"),
        ("az://csc/shared//store", "az://csc/shared/store"),
        (
            "abfss://ws@onelake.dfs.fabric.microsoft.com/csc.Lakehouse/Tables/csc",
            "abfss://ws@onelake.dfs.fabric.microsoft.com/csc.Lakehouse/Tables/csc",
        ),
        ("gs://csc-bucket/store", "gs://csc-bucket/store"),
    ],
)
def test_store_uris(text, uri):
    from csc_perf.store.location import ObjectLocation, store_location

    location = store_location(text)
    assert isinstance(location, ObjectLocation) and location.uri == uri
    assert str(location / "observations") == f"{uri}/observations"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("http://example.org/store", "cannot keep a store at a http:// location"),
        ("s3://key:secret@bucket/store", "must not carry credentials"),
        ("s3://bucket/store?x=1", "must not carry credentials or a query string"),
        ("s3:///store", "names no bucket or container"),
        ("s3:/council-csc/typo", "starts with two slashes"),
        ("s3-compat://b/x", "cannot keep a store at a s3-compat:// location"),
        ("s3://someone@council-csc/store", "must not carry credentials"),
        ("s3://council-csc/tab\tstore", "control characters"),
        # delta-rs writes such prefixes percent-encoded and reads them encoded twice.
        ("s3://council-csc/my store", "cannot read back a store whose prefix holds ' '"),
        ("s3://council-csc/caf\u00e9", "cannot read back a store whose prefix holds"),
        ("s3://council-csc/p%41x", "cannot read back a store whose prefix holds '%'"),
    ],
)
def test_store_uris_refused(text, words):
    from csc_perf.errors import StoreError
    from csc_perf.store.location import store_location

    with pytest.raises(StoreError) as raised:
        store_location(text)
    assert words in raised.value.message
    assert "secret" not in raised.value.message


def test_local_paths_stay_paths(tmp_path):
    from csc_perf.store.location import store_location

    assert store_location(str(tmp_path / "a store")) == tmp_path / "a store"
    assert store_location(f"file://{tmp_path}/x") == tmp_path / "x"
    assert store_location("C:\\Users\\csc\\store") == Path("C:\\Users\\csc\\store")
    assert store_location("file:/tmp/x") == Path("/tmp/x")
    assert str(store_location(" s3://council-csc/store ")) == "s3://council-csc/store"


def test_s3_commits_are_conditional_unless_chosen_otherwise(monkeypatch):
    from csc_perf.store.location import store_location

    monkeypatch.delenv("AWS_CONDITIONAL_PUT", raising=False)
    assert store_location("s3://b/s").storage_options() == {"conditional_put": "etag"}
    chosen = store_location("s3://b/s", {"conditional_put": "disabled"})
    assert chosen.storage_options() == {"conditional_put": "disabled"}
    assert store_location("az://c/s").storage_options() == {}


def test_workspace_store_setting_may_be_a_uri(tmp_path, monkeypatch):
    from csc_perf.app.paths import store_path

    monkeypatch.delenv("CSC_PERF_STORE", raising=False)
    config = tmp_path / "indicators.toml"
    assert store_path(None, config, "s3://council-csc/store") == "s3://council-csc/store"
    assert store_path(None, config, "store") == tmp_path / "store"
    monkeypatch.setenv("CSC_PERF_STORE", "az://csc/store")
    assert store_path(None, config, "store") == "az://csc/store"


def test_a_mistyped_uri_never_becomes_a_local_folder(workspace, cli):
    result = cli("--store", "s3:/council-csc/typo", "import", OCTOBER)
    assert result.exit_code == 2
    assert "two slashes" in result.output
    assert sorted(p.name for p in workspace.iterdir()) == ["indicators.toml"]


# -- unlucky servers and networks ------------------------------------------------------------
class Proxy:
    """An HTTP proxy in front of the S3 server, in a thread: it can drop the If-None-Match
    header (as an S3-compatible server without conditional writes ignores it) and start
    failing every request mid-command (a server or gateway gone wrong; 400, which the
    client does not retry, so the test takes no time)."""

    def __init__(self, upstream: str, strip_conditions: bool) -> None:
        import http.client
        import http.server
        import threading
        from urllib.parse import urlparse

        target = urlparse(upstream)
        proxy = self
        self.failing = False

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if proxy.failing:
                    self.send_response(400)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                dropped = {"host"} | ({"if-none-match"} if strip_conditions else set())
                headers = {k: v for k, v in self.headers.items() if k.lower() not in dropped}
                connection = http.client.HTTPConnection(target.hostname, target.port)
                connection.request(self.command, self.path, body=body, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "content-length", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy_factory(s3_bucket, monkeypatch):
    made = []

    def make(strip_conditions: bool) -> Proxy:
        proxy = Proxy(s3_bucket.env["AWS_ENDPOINT_URL"], strip_conditions)
        made.append(proxy)
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.endpoint)
        return proxy

    yield make
    for proxy in made:
        proxy.stop()


def test_a_server_ignoring_conditional_writes_is_refused(workspace, cli, s3_bucket, proxy_factory):
    """Through a server that ignores If-None-Match, two writers' commits of one version
    would replace each other (an import lost with exit 0): refused before any write."""
    import boto3

    endpoint = s3_bucket.env["AWS_ENDPOINT_URL"]
    proxy_factory(strip_conditions=True)
    result = cli("--store", s3_bucket.uri_prefix, "import", OCTOBER)
    assert result.exit_code == 2
    assert "ignores conditional writes" in result.output
    listed = boto3.client("s3", endpoint_url=endpoint).list_objects_v2(Bucket=s3_bucket.bucket)
    assert not [o["Key"] for o in listed.get("Contents", []) if "observations" in o["Key"]]


def test_the_store_failing_mid_import_is_a_message(
    workspace, cli, s3_bucket, proxy_factory, monkeypatch
):
    from csc_perf.store import importing

    assert cli("--store", s3_bucket.uri_prefix, "import", MONTHLY[0]).exit_code == 0
    proxy = proxy_factory(strip_conditions=False)
    real = importing.crash_point

    def cut_the_network(name):
        if name == "before-commit":
            proxy.failing = True
        real(name)

    monkeypatch.setattr(importing, "crash_point", cut_the_network)
    result = cli("--store", s3_bucket.uri_prefix, "import", OCTOBER)
    assert result.exit_code == 2, result.output
    assert "the write to the object store failed" in result.output
    assert "csc-perf history" in result.output and "bug" not in result.output
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_bucket.env["AWS_ENDPOINT_URL"])
    history = rows(cli("--store", s3_bucket.uri_prefix, "history", "-f", "csv").stdout)
    assert len(history) == 2  # the import did not land; the store is as it was


def test_a_malformed_endpoint_shows_no_rust_panic(workspace, s3_bucket):
    result = run(s3_bucket.uri_prefix, "rag", env={"AWS_ENDPOINT_URL": "not a url"})
    assert result.returncode == 2
    assert "cannot reach the store" in result.stderr
    assert "panicked" not in result.stderr and "RUST_BACKTRACE" not in result.stderr


def test_a_prefix_that_is_another_delta_table_is_refused(workspace, cli, s3_bucket):
    from deltalake import write_deltalake

    write_deltalake(s3_bucket.uri_prefix, pl.DataFrame({"x": [1]}).to_arrow())
    result = cli("--store", s3_bucket.uri_prefix, "import", OCTOBER)
    assert result.exit_code == 2
    assert "is itself a Delta table" in result.output


def test_first_population_imports_at_once_all_land(workspace, s3_bucket):
    """Four first imports of the ONS estimates at once: all land, and the table holds each
    estimate once (a create-with-rows that lost the race used to be committed again by the
    Delta library, every row twice)."""
    store = s3_bucket.uri_prefix
    assert run(store, "import", OCTOBER).returncode == 0
    ons = next((ROOT / "examples" / "extracts" / "dfe").glob("ons_*.csv"))
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "csc_perf", "--store", store, "population", "import", ons],
            env={**os.environ, "CSC_PERF_CONFIG": str(ROOT / "indicators.toml")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outcomes = [(p.wait(timeout=300), p.stderr.read()) for p in processes]
    assert [code for code, _ in outcomes] == [0] * 4, outcomes
    population = rows(run(store, "export", "--table", "population", "-f", "csv").stdout)
    assert len(population) == 329  # the ONS file's estimates, once each
