"""The version of csc-perf (one place: the package, the HTML and Excel reports and
`--version` read it here)."""

__version__ = "0.1.0"
