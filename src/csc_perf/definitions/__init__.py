"""``indicators.toml`` -> typed indicator definitions; the restricted formula grammar.

The structure is plain frozen dataclasses (:mod:`~csc_perf.definitions.model`) checked by
hand (:mod:`~csc_perf.definitions.checks` and the ``checks_*`` modules), not a validation
library such as pydantic: start-up stays fast, and every error names its key path
(``indicator[12] (referrals).target``) and its line in the file.

* :mod:`~csc_perf.definitions.loading`: reading the file (:func:`load_definitions`,
  :func:`parse_definitions`);
* :mod:`~csc_perf.definitions.model`: what it becomes (:class:`Definitions`, ...);
* :mod:`~csc_perf.definitions.checks`, ``checks_indicator``, ``checks_targets``,
  ``checks_spc``: the meaning checks, with :mod:`~csc_perf.definitions.problems` (where a
  problem is, and the typed reads they share);
* :mod:`~csc_perf.definitions.formulas`: the grammar of derived indicators' formulas.
"""

from csc_perf.definitions.loading import load_definitions, parse_definitions
from csc_perf.definitions.model import (
    AmberRule,
    BenchmarkSource,
    Definitions,
    Indicator,
    Population,
    Target,
    Theme,
    Workspace,
    normalise_name,
)
from csc_perf.definitions.problems import Problem

__all__ = [
    "AmberRule",
    "BenchmarkSource",
    "Definitions",
    "Indicator",
    "Population",
    "Problem",
    "Target",
    "Theme",
    "Workspace",
    "load_definitions",
    "normalise_name",
    "parse_definitions",
]
