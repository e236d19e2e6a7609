"""The object-storage test servers work with the raw libraries the store is built on.

These prove the environment, not csc-perf: on moto (S3) and Azurite (Azure Blob, through both
az:// and abfss:// URIs) deltalake creates, merges and reads a Delta table partitioned by
authority; polars and DeltaTable read back the same rows; commits are conditional, so two
writers from one snapshot never overwrite each other; and on the IAM-enforcing moto server a
read-only analyst reads the importer's table but is denied a write.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import deltalake
import obstore
import polars as pl
import pytest
from deltalake.exceptions import CommitFailedError, DeltaError
from obstore.exceptions import AlreadyExistsError
from obstore.store import from_url

from cloud_servers import CloudLocation, azure_sas_env, use_env

# October's figures of Kent (E10000016) and Surrey (E10000030), then a merge that corrects
# Kent's and adds West Sussex's (E10000032). Rows are (authority, indicator, month, value);
# MERGED is worked out by hand from the two.
OCTOBER = [("E10000016", "CLA_RATE", "2024-10", 52.0), ("E10000030", "CLA_RATE", "2024-10", 41.0)]
MERGE = [("E10000016", "CLA_RATE", "2024-10", 53.5), ("E10000032", "CLA_RATE", "2024-10", 47.0)]
MERGED = [
    ("E10000016", "CLA_RATE", "2024-10", 53.5),
    ("E10000030", "CLA_RATE", "2024-10", 41.0),
    ("E10000032", "CLA_RATE", "2024-10", 47.0),
]
KEY = "s.authority = t.authority AND s.indicator = t.indicator AND s.month = t.month"


def frame(rows):
    schema = {
        "authority": pl.String,
        "indicator": pl.String,
        "month": pl.String,
        "value": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def rows_of(table: pl.DataFrame) -> list[tuple]:
    return sorted(table.select("authority", "indicator", "month", "value").rows())


def create(uri: str, rows, storage_options) -> None:
    deltalake.write_deltalake(
        uri, frame(rows).to_arrow(), partition_by=["authority"], storage_options=storage_options
    )


def merge(table: deltalake.DeltaTable, rows) -> None:
    (
        table.merge(frame(rows).to_arrow(), predicate=KEY, source_alias="s", target_alias="t")
        .when_matched_update_all()
        .when_not_matched_insert_all()
        .execute()
    )


@pytest.fixture(params=["s3", "az", "abfss"])
def location(request) -> CloudLocation:
    """An empty store location on each server (and each Azure URI form)."""
    if request.param == "s3":
        return request.getfixturevalue("s3_bucket")
    container = request.getfixturevalue("azure_container")
    if request.param == "abfss":
        return dataclasses.replace(container, uri_prefix=container.abfss_prefix)
    return container


def test_delta_table_is_created_merged_and_read_back_alike(location):
    uri = f"{location.uri_prefix}/observations"
    options = location.storage_options
    create(uri, OCTOBER, options)
    merge(deltalake.DeltaTable(uri, storage_options=options), MERGE)

    table = deltalake.DeltaTable(uri, storage_options=options)
    assert table.version() == 1
    assert table.metadata().partition_columns == ["authority"]
    assert rows_of(pl.from_arrow(table.to_pyarrow_table())) == MERGED
    assert rows_of(pl.scan_delta(uri, storage_options=options).collect()) == MERGED
    # The files alone, as a reader without a Delta library sees them (authority from the path).
    files = pl.scan_parquet(table.file_uris(), hive_partitioning=True, storage_options=options)
    assert rows_of(files.collect()) == MERGED

    listed = obstore.list(from_url(location.uri_prefix)).collect()
    paths = {entry["path"] for entry in listed}
    assert {
        "observations/_delta_log/00000000000000000000.json",
        "observations/_delta_log/00000000000000000001.json",
    } <= paths
    folders = {p.split("/")[1] for p in paths if not p.startswith("observations/_delta_log/")}
    assert folders == {"authority=E10000016", "authority=E10000030", "authority=E10000032"}


def test_two_writers_from_one_snapshot_both_land(location):
    """The second commit finds version 1 taken (a conditional put) and lands as version 2."""
    uri = f"{location.uri_prefix}/observations"
    options = location.storage_options
    create(uri, OCTOBER[:1], options)
    first = deltalake.DeltaTable(uri, storage_options=options)
    second = deltalake.DeltaTable(uri, storage_options=options)
    deltalake.write_deltalake(first, frame(OCTOBER[1:]).to_arrow(), mode="append")
    deltalake.write_deltalake(second, frame(MERGE[1:]).to_arrow(), mode="append")

    table = deltalake.DeltaTable(uri, storage_options=options)
    assert table.version() == 2
    assert rows_of(pl.scan_delta(uri, storage_options=options).collect()) == sorted(
        OCTOBER + MERGE[1:]
    )


def test_conflicting_merges_from_one_snapshot_fail_the_second(location):
    """Both rewrite Kent's figure: the second must re-plan, so it fails and changes nothing."""
    uri = f"{location.uri_prefix}/observations"
    options = location.storage_options
    create(uri, OCTOBER, options)
    first = deltalake.DeltaTable(uri, storage_options=options)
    second = deltalake.DeltaTable(uri, storage_options=options)
    merge(first, MERGE[:1])
    with pytest.raises(CommitFailedError, match="concurrent transaction"):
        merge(second, [("E10000016", "CLA_RATE", "2024-10", 99.0)])

    table = deltalake.DeltaTable(uri, storage_options=options)
    assert table.version() == 1
    assert rows_of(pl.from_arrow(table.to_pyarrow_table())) == sorted([MERGE[0], OCTOBER[1]])


def test_create_only_put_is_refused_when_the_object_exists(location):
    store = from_url(location.uri_prefix)
    obstore.put(store, "marker", b"first", mode="create")
    with pytest.raises(AlreadyExistsError):
        obstore.put(store, "marker", b"second", mode="create")
    assert obstore.get(store, "marker").bytes().to_bytes() == b"first"


def test_s3_commits_are_conditional_without_storage_options(s3_bucket):
    """deltalake 1.6 commits with If-None-Match on S3 even without conditional_put=etag."""
    uri = f"{s3_bucket.uri_prefix}/observations"
    create(uri, OCTOBER[:1], None)
    first, second = deltalake.DeltaTable(uri), deltalake.DeltaTable(uri)
    deltalake.write_deltalake(first, frame(OCTOBER[1:]).to_arrow(), mode="append")
    deltalake.write_deltalake(second, frame(MERGE[1:]).to_arrow(), mode="append")
    assert deltalake.DeltaTable(uri).version() == 2
    assert rows_of(pl.scan_delta(uri).collect()) == sorted(OCTOBER + MERGE[1:])


@pytest.mark.parametrize("fixture", ["s3_bucket", "azure_container"])
def test_a_subprocess_reaches_the_server_from_the_inherited_env(fixture, request):
    location = request.getfixturevalue(fixture)
    uri = f"{location.uri_prefix}/observations"
    create(uri, OCTOBER, location.storage_options)
    script = "import sys, deltalake; print(len(deltalake.DeltaTable(sys.argv[1]).file_uris()))"
    done = subprocess.run(
        [sys.executable, "-c", script, uri], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2"
    assert all(os.environ[name] == value for name, value in location.env.items())


def test_readonly_analyst_reads_the_importers_table_but_cannot_write(
    s3_secured_bucket, s3_readonly_env, monkeypatch
):
    uri = f"{s3_secured_bucket.uri_prefix}/observations"
    options = s3_secured_bucket.storage_options
    # The importer, holding only s3:GetObject, s3:PutObject and s3:ListBucket (no delete),
    # creates, merges, appends, compacts and checkpoints: all a csc-perf importer does.
    kent_cpp = ("E10000016", "CPP_RATE", "2024-10", 38.0)
    create(uri, OCTOBER, options)
    merge(deltalake.DeltaTable(uri, storage_options=options), MERGE)
    deltalake.write_deltalake(
        uri, frame([kent_cpp]).to_arrow(), mode="append", storage_options=options
    )
    importer_table = deltalake.DeltaTable(uri, storage_options=options)
    compacted = importer_table.optimize.compact()
    assert (compacted["numFilesRemoved"], compacted["numFilesAdded"]) == (2, 1)  # Kent's two
    importer_table.create_checkpoint()
    assert importer_table.version() == 3
    expected = sorted([*MERGED, kent_cpp])

    use_env(monkeypatch, s3_readonly_env)
    table = deltalake.DeltaTable(uri, storage_options=options)
    assert rows_of(pl.from_arrow(table.to_pyarrow_table())) == expected
    assert rows_of(pl.scan_delta(uri, storage_options=options).collect()) == expected
    with pytest.raises(DeltaError) as denied:
        deltalake.write_deltalake(
            uri, frame(MERGE).to_arrow(), mode="append", storage_options=options
        )
    message = str(denied.value)
    assert "The operation lacked the necessary privileges to complete" in message
    assert "403 Forbidden" in message
    assert "<Code>AccessDenied</Code>" in message
    # A commit without data files (metadata only) is refused too, as an OSError this time.
    with pytest.raises(OSError, match="lacked the necessary privileges") as denied:
        table.alter.set_table_properties({"delta.logRetentionDuration": "interval 30 days"})
    assert "_delta_log/00000000000000000004.json" in str(denied.value)
    assert deltalake.DeltaTable(uri, storage_options=options).version() == 3


def test_readonly_credentials_are_refused_by_the_secured_server_for_any_write(
    s3_secured_bucket, s3_readonly_env, monkeypatch
):
    use_env(monkeypatch, s3_readonly_env)
    with pytest.raises(obstore.exceptions.PermissionDeniedError):
        obstore.put(from_url(s3_secured_bucket.uri_prefix), "marker", b"x", mode="create")


def test_azure_readonly_sas_reads_but_cannot_write_and_rlcw_can(
    azure_container, azure_readonly_env, monkeypatch
):
    uri = f"{azure_container.uri_prefix}/observations"
    create(uri, OCTOBER, None)
    merge(deltalake.DeltaTable(uri), MERGE)

    use_env(monkeypatch, azure_readonly_env)
    assert "AZURE_STORAGE_ACCOUNT_KEY" not in os.environ
    assert rows_of(pl.from_arrow(deltalake.DeltaTable(uri).to_pyarrow_table())) == MERGED
    assert rows_of(pl.scan_delta(uri).collect()) == MERGED
    with pytest.raises(DeltaError) as denied:
        deltalake.write_deltalake(uri, frame(MERGE).to_arrow(), mode="append")
    message = str(denied.value)
    assert "The operation lacked the necessary privileges to complete" in message
    assert "<Code>AuthorizationPermissionMismatch</Code>" in message
    assert "sig=" not in message  # object_store redacts the signed URL
    assert deltalake.DeltaTable(uri).version() == 1

    # An importer's SAS (read, list, create, write; no delete) appends, compacts, checkpoints.
    use_env(monkeypatch, azure_sas_env(azure_container, "rlcw"))
    kent_cpp = ("E10000016", "CPP_RATE", "2024-10", 38.0)
    deltalake.write_deltalake(uri, frame([kent_cpp]).to_arrow(), mode="append")
    table = deltalake.DeltaTable(uri)
    assert table.optimize.compact()["numFilesRemoved"] == 2  # Kent's two files
    table.create_checkpoint()
    assert table.version() == 3
    assert rows_of(pl.scan_delta(uri).collect()) == sorted([*MERGED, kent_cpp])
