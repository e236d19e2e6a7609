"""The formula language of derived indicators: parsed by a small grammar, never ``eval``.

Grammar (whitespace ignored)::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := "-" unary | primary
    primary := NUMBER | NAME | NAME "(" expr ("," expr)* ")" | "(" expr ")"

Names are indicator ids and ``population`` (children aged 0-17 in the month's estimate
year). Functions, all over calendar months of one authority:

* ``rolling_sum(x, 12)``: the sum of the last N months, null until N months of ``x`` exist
  (so a flow rate is not computed before 12 months of data);
* ``rolling_mean(x, N)``: the mean of the last N months, likewise;
* ``fytd_sum(x)``: the financial-year-to-date sum (April to the month).

Examples: ``rolling_sum(referrals, 12) / population * 10000`` (a flow rate),
``cp_plans / population * 10000`` (a point-in-time rate), ``cla_ifa / children_in_care * 100``
(a percentage from a numerator and a denominator).

A formula is turned into a Polars expression over a frame with one column per indicator
(and ``population``), one row per authority and month, sorted by authority then month.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

FUNCTIONS = {
    # name: (number of arguments, index of a whole-number window argument or None)
    "rolling_sum": (2, 1),
    "rolling_mean": (2, 1),
    "fytd_sum": (1, None),
}
POPULATION = "population"
MAX_WINDOW = 120
# Bounds that keep every recursive walk of a formula far from Python's recursion limit
# (a formula of 990 minus signs must be an error, not a crash).
MAX_NESTING = 50  # signs, brackets and calls inside each other
MAX_DEPTH = 200  # nodes from the root to the deepest leaf ("a + b + ... " chains included)

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d*)?|\.\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+*/(),]))"
)


class FormulaError(ValueError):
    """A formula that cannot be parsed or does not type-check."""


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Unary:
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Node, ...]


Node = Number | Name | Unary | Binary | Call


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise FormulaError(
                f"unexpected {text[position : position + 10]!r} at character {position + 1}"
            )
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        if len(text) > 1000:
            raise FormulaError("a formula is at most 1,000 characters")
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FormulaError(
                "the formula ends too soon" + (f": expected {value!r}" if value else "")
            )
        if value is not None and token[1] != value:
            raise FormulaError(f"expected {value!r} but found {token[1]!r}")
        self.i += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise FormulaError("the formula is empty")
        node = self.expr(0)
        if self.peek() is not None:
            raise FormulaError(f"unexpected {self.peek()[1]!r} after the end of the formula")  # type: ignore[index]
        if _depth(node) > MAX_DEPTH:
            raise FormulaError(
                f"the formula has more than {MAX_DEPTH} operations one inside another: split "
                "it into derived indicators"
            )
        return node

    def expr(self, depth: int) -> Node:
        if depth > MAX_NESTING:
            raise FormulaError(
                f"the formula is nested too deeply (more than {MAX_NESTING} signs or brackets "
                "inside each other)"
            )
        node = self.term(depth)
        while self.peek() and self.peek()[1] in "+-":  # type: ignore[index]
            op = self.take()[1]
            node = Binary(op, node, self.term(depth))
        return node

    def term(self, depth: int) -> Node:
        node = self.unary(depth)
        while self.peek() and self.peek()[1] in "*/":  # type: ignore[index]
            op = self.take()[1]
            node = Binary(op, node, self.unary(depth))
        return node

    def unary(self, depth: int) -> Node:
        if depth > MAX_NESTING:
            raise FormulaError(
                f"the formula is nested too deeply (more than {MAX_NESTING} signs or brackets "
                "inside each other)"
            )
        token = self.peek()
        if token is not None and token[1] == "-":
            self.take()
            return Unary(self.unary(depth + 1))
        return self.primary(depth)

    def primary(self, depth: int) -> Node:
        kind, value = self.take()
        if kind == "number":
            number = float(value)
            if not math.isfinite(number):  # 400 nines are "inf" as a float
                raise FormulaError(f"the number {value[:20]}... is too large")
            return Number(number)
        if kind == "name":
            token = self.peek()
            if token is not None and token[1] == "(":
                self.take("(")
                args = [self.expr(depth + 1)]
                while self.peek() is not None and self.peek()[1] == ",":  # type: ignore[index]
                    self.take(",")
                    args.append(self.expr(depth + 1))
                self.take(")")
                return Call(value, tuple(args))
            return Name(value)
        if value == "(":
            node = self.expr(depth + 1)
            self.take(")")
            return node
        raise FormulaError(f"unexpected {value!r}")


def _depth(root: Node) -> int:
    """How many nodes deep the tree goes (walked without recursion: the functions below
    recurse over trees no deeper than :data:`MAX_DEPTH`)."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(node, Unary):
            stack.append((node.operand, depth + 1))
        elif isinstance(node, Binary):
            stack += [(node.left, depth + 1), (node.right, depth + 1)]
        elif isinstance(node, Call):
            stack += [(arg, depth + 1) for arg in node.args]
    return deepest


def walk(root: Node) -> Iterator[Node]:
    """Every node of a formula, the root first (without recursion)."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, Unary):
            stack.append(node.operand)
        elif isinstance(node, Binary):
            stack += [node.left, node.right]
        elif isinstance(node, Call):
            stack += list(node.args)


def parse_formula(text: str) -> Node:
    """Parse ``text``; raise :class:`FormulaError` with what is wrong."""
    return _Parser(text).parse()


def references(node: Node) -> set[str]:
    """Indicator ids (and ``population``) a formula uses."""
    if isinstance(node, Name):
        return {node.name}
    if isinstance(node, Unary):
        return references(node.operand)
    if isinstance(node, Binary):
        return references(node.left) | references(node.right)
    if isinstance(node, Call):
        return set().union(*(references(a) for a in node.args))
    return set()


def check_formula(node: Node, known: set[str]) -> list[str]:
    """Type errors: unknown names and functions, wrong argument counts, bad windows."""
    problems: list[str] = []
    if isinstance(node, Name):
        if node.name not in known and node.name != POPULATION:
            problems.append(f"unknown name {node.name!r} (an indicator id or 'population')")
        elif node.name in FUNCTIONS:
            problems.append(f"{node.name!r} is a function: call it as {node.name}(...)")
    elif isinstance(node, Unary):
        problems += check_formula(node.operand, known)
    elif isinstance(node, Binary):
        problems += check_formula(node.left, known) + check_formula(node.right, known)
    elif isinstance(node, Call):
        if node.function not in FUNCTIONS:
            problems.append(
                f"unknown function {node.function!r} (use {', '.join(sorted(FUNCTIONS))})"
            )
            return problems
        count, window = FUNCTIONS[node.function]
        if len(node.args) != count:
            problems.append(f"{node.function}() takes {count} argument(s), not {len(node.args)}")
            return problems
        if window is not None:
            arg = node.args[window]
            if not (
                isinstance(arg, Number) and arg.value.is_integer() and 1 <= arg.value <= MAX_WINDOW
            ):
                problems.append(
                    f"{node.function}(): the window must be a whole number of months from 1 "
                    f"to {MAX_WINDOW}"
                )
        for index, arg in enumerate(node.args):
            if index != window:
                problems += check_formula(arg, known)
                if isinstance(arg, Number):
                    problems.append(f"{node.function}() needs a series, not a number")
    return problems


def to_expr(node: Node, *, annual: bool = False) -> pl.Expr:
    """The Polars expression of a formula over a wide frame sorted by authority and month.

    With ``annual`` the frame holds financial-year totals: the window functions are then the
    values themselves (a 12-month rolling sum at March is the year's total).
    """
    import polars as pl

    if isinstance(node, Number):
        return pl.lit(node.value)
    if isinstance(node, Name):
        return pl.col(node.name)
    if isinstance(node, Unary):
        return -to_expr(node.operand, annual=annual)
    if isinstance(node, Binary):
        left, right = to_expr(node.left, annual=annual), to_expr(node.right, annual=annual)
        return {
            "+": left + right,
            "-": left - right,
            "*": left * right,
            "/": pl.when(right == 0).then(None).otherwise(left / right),
        }[node.op]
    assert isinstance(node, Call)
    inner = to_expr(node.args[0], annual=annual)
    if annual:
        return inner
    if node.function == "rolling_sum":
        n = int(node.args[1].value)  # type: ignore[union-attr]
        return inner.rolling_sum(window_size=n, min_samples=n).over("authority")
    if node.function == "rolling_mean":
        n = int(node.args[1].value)  # type: ignore[union-attr]
        return inner.rolling_mean(window_size=n, min_samples=n).over("authority")
    return inner.cum_sum().over("authority", "financial_year")
