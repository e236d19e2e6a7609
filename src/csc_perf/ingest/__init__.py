"""Reading what analysts bring: extracts (CSV, Excel, Parquet), DfE EES files, and the
checks that turn their cells into observations or issues."""
