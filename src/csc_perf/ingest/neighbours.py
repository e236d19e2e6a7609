"""The DfE's statistical neighbour groupings, as shipped with csc-perf."""

from __future__ import annotations

import csv
import io
from importlib import resources


def statistical_neighbours(model: str = "2021") -> dict[str, list[str]]:
    """LA number -> its 10 statistical neighbours in the DfE model (``2021`` or ``2025``)."""
    name = f"statistical_neighbours_{model}.csv"
    text = (resources.files("csc_perf") / "data" / name).read_text(encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    key = 0
    columns = [
        i
        for i, h in enumerate(header)
        if h.strip().upper().replace("_", "") in {f"SN{n}" for n in range(1, 11)}
    ]
    out: dict[str, list[str]] = {}
    for record in reader:
        if not record or not record[key].strip():
            continue
        out[record[key].strip()] = [record[i].strip() for i in columns if record[i].strip()]
    return out
