"""The typed indicator definitions of a workspace, as :func:`load_definitions` builds them.

Plain frozen dataclasses: :class:`Definitions` (the whole file) holds the :class:`Theme` and
:class:`Indicator` entries in report order, the :class:`Workspace` settings, the
:class:`Population` rule and the benchmark settings; an indicator holds its
:class:`Target` steps and :class:`AmberRule`. :func:`normalise_name` is the one key
indicators are matched on.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from csc_perf.definitions.formulas import POPULATION, Node, parse_formula, references
from csc_perf.model.options import SpcOptions

UNITS = ("count", "percent", "rate", "average")
MEASURES = ("flow", "snapshot", "percentage", "ratio")
POLARITIES = ("higher", "lower", "range", "none")
AMBER_KINDS = ("absolute", "relative", "threshold")
SEVERITIES = ("warning", "error")
#: What an id (of an indicator or a theme) looks like: snake_case, no spaces.
ID_PATTERN = r"^[a-z][a-z0-9_]*$"
_ID = re.compile(ID_PATTERN)

_SPACES = re.compile(r"\s+")

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
# Letters that look the same as Latin ones (Unicode's confusables, for the scripts a name
# pasted from a web page or a PDF picks up: Cyrillic and Greek) and the dashes Word makes.
# NFKC does not fold these; without them "Number of referrаls" (a Cyrillic а) would be a
# second indicator.
_CONFUSABLES = str.maketrans(
    {
        **dict(zip("аеорсхуіјѕԁӏһԛԝ", "aeopcxyijsdlhqw", strict=True)),
        **dict(zip("АВЕКМНОРСТХІЈЅ", "ABEKMHOPCTXIJS", strict=True)),
        **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧοιν", "ABEZHIKMNOPTYXoiv", strict=True)),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    }
)


def _words(text: str) -> list[str]:
    """The words of an id, name or alias, to match a part of it: ``s47_rate`` -> s47, rate."""
    return re.findall(r"[^\W_]+", normalise_name(text))


def normalise_name(text: str) -> str:
    """The key indicators are matched on (and ids, names and aliases must be unique on):
    Unicode NFKC (full-width letters, ligatures, no-break spaces made plain), invisible
    format characters removed (zero-width spaces and joiners, byte-order marks, soft
    hyphens, direction marks), look-alike Cyrillic and Greek letters made Latin, dashes made
    hyphens, curly quotes made straight (Excel's autocorrect turns children's into
    children’s), runs of whitespace made one space, case folded."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = "".join(c for c in text if unicodedata.category(c) != "Cf")
        text = text.translate(_CONFUSABLES).translate(_QUOTES)
    return _SPACES.sub(" ", text).strip().casefold()


@dataclass(frozen=True)
class Target:
    """A target in force from ``from_month`` (None: from the start) on.

    ``value`` for polarity higher/lower; ``low`` and ``high`` for polarity range.
    """

    from_month: date | None
    value: float | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class AmberRule:
    """How far from the target a value may fall and still be amber.

    ``absolute``: within ``value`` units (percentage points for percentages);
    ``relative``: within ``value`` x target; ``threshold``: up to the explicit value.
    """

    kind: str
    value: float


#: The kinds of :class:`BenchmarkSource`: an EES column, a rate computed from EES counts, a
#: LAIT measure, a figure computed from LAIT measures.
BENCHMARK_KINDS = ("column", "formula", "lait", "lait_formula")


@dataclass(frozen=True)
class BenchmarkSource:
    """Where an indicator's annual DfE figures come from: exactly one of ``column`` (an EES
    column holding them), ``formula`` (computed per geography and year from EES columns and
    ``population``, e.g. ``referral_count / population * 10000``), ``lait`` (a LAIT
    measure's ``Short Desc`` code, e.g. ``CPP_rate``) or ``lait_formula`` (computed from
    LAIT measures, e.g. ``ISCP_Conf / Section_47 * 100``); ``where`` filters EES rows."""

    column: str = ""
    where: tuple[tuple[str, str], ...] = ()
    formula: str | None = None
    lait: str | None = None
    lait_formula: str | None = None

    @property
    def kind(self) -> str:
        """``column``, ``formula``, ``lait`` or ``lait_formula``."""
        if self.lait_formula:
            return "lait_formula"
        return "lait" if self.lait else "formula" if self.formula else "column"

    @property
    def formula_node(self) -> Node | None:
        """The parsed formula (None unless ``kind`` is ``formula`` or ``lait_formula``)."""
        text = self.formula or self.lait_formula
        return None if text is None else parse_formula(text)

    @property
    def columns(self) -> tuple[str, ...]:
        """The EES columns (or, for a LAIT source, the LAIT codes) the source reads."""
        if self.lait:
            return (self.lait,)
        node = self.formula_node
        if node is None:
            return (self.column,)
        return tuple(sorted(references(node) - {POPULATION}))


@dataclass(frozen=True)
class Indicator:
    """One ``[[indicator]]``: how its figures are named and matched, shown, rated and derived."""

    id: str
    name: str
    aliases: tuple[str, ...]
    themes: tuple[str, ...]
    unit: str
    measure: str
    polarity: str
    targets: tuple[Target, ...] = ()
    amber: AmberRule | None = None
    stretch: float | None = None
    valid_min: float | None = None
    valid_max: float | None = None
    out_of_range: str = "warning"
    decimals: int = 0
    required: bool = False
    description: str = ""
    no_change: float = 0.0
    spc: SpcOptions = field(default_factory=SpcOptions)
    formula: str | None = None
    tolerance: float = 0.03
    # DfE columns that hold this indicator's annual figures, each with the values other
    # columns must have on the row (for files with a breakdown, such as population_type).
    benchmark: tuple[BenchmarkSource, ...] = ()

    @property
    def formula_node(self) -> Node | None:
        """The parsed formula (None for an indicator that is not derived)."""
        return None if self.formula is None else parse_formula(self.formula)

    def target_for(self, month: date) -> Target | None:
        """The target in force in ``month`` (targets may change from a given month)."""
        current = None
        for target in self.targets:
            if target.from_month is None or target.from_month <= month:
                current = target
        return current


@dataclass(frozen=True)
class Theme:
    """One ``[[theme]]``: a section (table) of the report, with its desired outcome."""

    id: str
    name: str
    outcome: str = ""


@dataclass(frozen=True)
class Workspace:
    """The ``[workspace]`` table: the authority the figures are for, where the store is."""

    authority: str = ""
    authority_name: str = ""
    store: str = "store"
    #: ``[workspace.storage_options]``: options for a store on object storage (endpoint,
    #: region...), as (name, value) pairs. Values may be secrets: never shown.
    storage_options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Population:
    """Children aged 0-17 for the workspace's authority, by mid-year estimate year, and the
    rule for which estimate a month uses: a month in financial year Y/Y+1 uses the
    estimate of year Y - ``year_lag`` (default 2: October 2024, in 2024/25, uses mid-2022,
    as the reference report does). ``year`` instead fixes one estimate for every month."""

    year_lag: int = 2
    estimates: tuple[tuple[int, float], ...] = ()
    year: int | None = None  # one estimate year for every month, when set


@dataclass(frozen=True)
class Definitions:
    """All indicator definitions of a workspace, in report order."""

    indicators: tuple[Indicator, ...]
    themes: tuple[Theme, ...]
    workspace: Workspace = field(default_factory=Workspace)
    source: str = ""
    population: Population = field(default_factory=Population)
    # [benchmarks]: {"neighbours": "2021" or "2025", "average": "mean" or "median",
    # "population_year_lag": None or a whole number (see benchmark_estimate_year)}
    benchmarks: dict = field(default_factory=dict)
    _lookup: dict[str, Indicator] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for indicator in self.indicators:
            for key in (indicator.id, indicator.name, *indicator.aliases):
                self._lookup.setdefault(normalise_name(key), indicator)

    def __getitem__(self, indicator_id: str) -> Indicator:
        """The indicator with id ``indicator_id``; KeyError when there is none."""
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        raise KeyError(indicator_id)

    def match(self, text: str) -> Indicator | None:
        """The indicator whose id, name or alias is ``text`` (case and spaces ignored)."""
        return self._lookup.get(normalise_name(text))

    def lookup_table(self) -> dict[str, str]:
        """Normalised id/name/alias -> indicator id."""
        return {key: indicator.id for key, indicator in self._lookup.items()}

    def suggest(self, text: str, n: int = 3) -> list[str]:
        """What an unknown ``text`` may have meant, best first, at most ``n``.

        In the kind the user typed: indicator ids for an id-like text (``childrens_in_care``:
        lowercase, underscores, no spaces), names for a text close to a name or alias
        (``Number of children in care``). Otherwise a part of an id, name or alias (each
        word the start of one of its words: ``s47``, ``cla rate`` of "CLA rate per 10,000")
        suggests the indicator's id, the short thing to type: ids starting with it first,
        then texts starting with it, then the rest, in file order; then ids of the names
        and aliases it is loosely like."""
        text = text.strip()
        looks_like_id = bool(_ID.match(text))
        answers: dict[str, str] = {}  # indicator id -> what to suggest for it

        def offer(indicators: list[Indicator], as_id: bool) -> None:
            for indicator in indicators:
                answers.setdefault(indicator.id, indicator.id if as_id else indicator.name)

        ids = [i.id for i in self.indicators]
        if looks_like_id:
            close = difflib.get_close_matches(text, ids, n=n, cutoff=0.6)
            offer([self[i] for i in close], as_id=True)
        keys = list(self._lookup)
        query = normalise_name(text)
        # A text close to a name is a name: answered with names; any other, with ids.
        named = [] if looks_like_id else difflib.get_close_matches(query, keys, n * 3, 0.8)
        offer([self._lookup[k] for k in named], as_id=False)
        offer(self._word_starts(text), as_id=not named)
        close = difflib.get_close_matches(query, keys, n=n * 3, cutoff=0.6)
        offer([self._lookup[k] for k in close], as_id=not named)
        return list(answers.values())[:n]

    def _word_starts(self, text: str) -> list[Indicator]:
        """The indicators with an id, name or alias of which each word of ``text`` starts
        a word, best first (see :meth:`suggest`)."""
        query = _words(text)
        if not query:
            return []
        ranked = []
        for order, indicator in enumerate(self.indicators):
            best = None
            for kind, candidate in enumerate([indicator.id, indicator.name, *indicator.aliases]):
                words = _words(candidate)
                if all(any(w.startswith(q) for w in words) for q in query):
                    starts = words[: len(query)] == query or " ".join(words).startswith(
                        " ".join(query)
                    )
                    key = (not starts, kind > 0, len(words) - len(query))
                    best = key if best is None else min(best, key)
            if best is not None:
                ranked.append((best, order, indicator))
        return [indicator for *_, indicator in sorted(ranked, key=lambda r: r[:2])]

    def theme(self, theme_id: str) -> Theme:
        """The theme with id ``theme_id``; KeyError when there is none."""
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(theme_id)
