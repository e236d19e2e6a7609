"""What an .xlsx workbook says about its cells that fastexcel does not: which sheets are
hidden, which cells Excel shows as percentages, and which formulas have no trustworthy result.

fastexcel (calamine) reads the values fast but drops number formats and formulas. Reading them
with openpyxl would parse every cell in Python; instead this module reads the few XML parts it
needs from the .xlsx zip with the standard library, and only looks cell by cell at a sheet
when a cheap byte scan says the sheet uses a percentage style or holds a formula. A plain
workbook (no percentage style in use, no formula) costs one small parse of ``workbook.xml``
and ``styles.xml`` and a scan of each sheet's XML.

Positions are 1-based spreadsheet rows and 0-based sheet columns (A is 0).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from decimal import Context, InvalidOperation
from xml.etree import ElementTree

# Built-in number formats that are percentages (ECMA-376 18.8.30): 0% and 0.00%.
BUILTIN_PERCENT_FORMATS = {9, 10}
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_HAS_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
# Attributes as XML allows them: either quote, spaces around "=" (s="1", s='1', s = "1").
_STYLE_ATTR = re.compile(rb"<(?:\w+:)?c\s[^>]*?\bs\s*=\s*[\"'](\d+)[\"']")
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
# A cell element (not <col>, <cfRule>...), with or without content and a namespace prefix.
_CELL = re.compile(rb"<(?:\w+:)?c(?=[\s>/])([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ATTR_R = re.compile(rb"\br\s*=\s*[\"']([A-Z]+)(\d+)[\"']")
_ATTR_S = re.compile(rb"\bs\s*=\s*[\"'](\d+)[\"']")
_ATTR_T = re.compile(rb"\bt\s*=\s*[\"'](\w+)[\"']")
_EMPTY_VALUE = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?/>")
_VALUE = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?>([^<]*)</(?:\w+:)?v>")
_FORMULA = re.compile(rb"<(?:\w+:)?f(?=[\s>/])[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)")
_EXCEL_PRECISION = Context(prec=15, traps=[InvalidOperation])


class WorkbookError(ValueError):
    """The workbook's XML cannot be read (a damaged file)."""


# What reading a damaged or unusual zip member raises: bad CRC or header, a broken deflate
# stream, a cut-off member, an unsupported compression method, an encrypted member.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


@dataclass
class SheetInfo:
    """One worksheet as ``workbook.xml`` lists it."""

    name: str
    state: str  # visible, hidden or veryHidden
    part: str | None  # the zip member holding its cells


@dataclass
class SheetCells:
    """The cells of one sheet that need more than their value.

    ``percent``: (row, column) -> the stored number (text) of a numeric cell whose number
    format is a percentage (Excel shows 0.83 as 83%). ``formulas``: (row, column) -> (cell
    reference, formula, saved result or None) of formula cells whose result cannot be used:
    no saved result, or any formula of a workbook that asks to be recalculated when opened
    (written by a program, whose saved results are placeholders such as 0).
    ``first_column``: the leftmost column holding a value (fastexcel's grid starts there).
    """

    percent: dict[tuple[int, int], str] = field(default_factory=dict)
    formulas: dict[tuple[int, int], tuple[str, str, str | None]] = field(default_factory=dict)
    first_column: int | None = None


class Workbook:
    """The parts of an .xlsx file read here (see the module docstring)."""

    def __init__(self, data: bytes) -> None:
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            workbook_part = self._workbook_part()
            workbook = self._root(workbook_part)
            relations = self._relations(workbook_part)
            self.sheets = self._sheets(workbook, relations)
            self.styles_part = self._styles_part(relations)
            self.percent_styles = self._percent_styles()
            self.recalculate_on_open = self._recalculate_on_open(workbook)
        except (*_ZIP_ERRORS, KeyError, ElementTree.ParseError, ValueError) as exc:
            raise WorkbookError(str(exc) or type(exc).__name__) from None

    def _workbook_part(self) -> str:
        """The workbook part, as the package relationships (``_rels/.rels``) name it."""
        try:
            rels = self._root("_rels/.rels")
        except KeyError:
            return "xl/workbook.xml"
        for rel in rels:
            if (rel.get("Type") or "").endswith("/officeDocument"):
                return _target("", rel.get("Target") or "")
        return "xl/workbook.xml"

    def _relations(self, workbook_part: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (type, zip member) of the workbook's parts."""
        folder, base = posixpath.split(workbook_part)
        try:
            rels = self._root(posixpath.join(folder, "_rels", base + ".rels"))
        except KeyError:
            return {}
        return {
            rel.get("Id") or "": (
                (rel.get("Type") or "").rsplit("/", 1)[-1],
                _target(folder, rel.get("Target") or ""),
            )
            for rel in rels
            if (rel.get("TargetMode") or "Internal") == "Internal"
        }

    def _styles_part(self, relations: dict[str, tuple[str, str]]) -> str | None:
        """The styles part named by the relationships; ``xl/styles.xml`` when they name
        none but it is there; None when the workbook has no styles part."""
        for kind, part in relations.values():
            if kind == "styles" and part in self._zip.NameToInfo:
                return part
        return "xl/styles.xml" if "xl/styles.xml" in self._zip.NameToInfo else None

    def _read(self, name: str) -> bytes:
        """A part of the zip (KeyError if absent, WorkbookError if damaged)."""
        try:
            return self._zip.read(name)
        except _ZIP_ERRORS as exc:
            raise WorkbookError(f"{name}: {exc or type(exc).__name__}") from None

    def _root(self, name: str):
        return ElementTree.fromstring(self._read(name))

    def _sheets(self, workbook, relations: dict[str, tuple[str, str]]) -> list[SheetInfo]:
        targets = {rid: part for rid, (_, part) in relations.items()}
        sheets = []
        for element in workbook.iter():
            if _local(element.tag) != "sheet":
                continue
            rid = element.get(f"{{{_REL_NS}}}id") or ""
            sheets.append(
                SheetInfo(
                    element.get("name") or "",
                    element.get("state") or "visible",
                    targets.get(rid),
                )
            )
        return sheets

    def _percent_styles(self) -> frozenset[int]:
        """Indexes of the cell formats (``cellXfs``) whose number format is a percentage."""
        if self.styles_part is None:
            return frozenset()
        styles = self._root(self.styles_part)
        custom = {}
        for element in styles.iter():
            if _local(element.tag) == "numFmt":
                custom[int(element.get("numFmtId") or -1)] = element.get("formatCode") or ""
        percent = set()
        for element in styles.iter():
            if _local(element.tag) != "cellXfs":
                continue
            for index, xf in enumerate(x for x in element if _local(x.tag) == "xf"):
                number_format = int(xf.get("numFmtId") or 0)
                if number_format in BUILTIN_PERCENT_FORMATS or (
                    number_format in custom and is_percent_format(custom[number_format])
                ):
                    percent.add(index)
        return frozenset(percent)

    @staticmethod
    def _recalculate_on_open(workbook) -> bool:
        """True when ``calcPr fullCalcOnLoad`` is set: Excel never saves a workbook so, but
        programs (xlsxwriter, openpyxl) do, with placeholder results in their formula cells."""
        for element in workbook.iter():
            if _local(element.tag) == "calcPr":
                return element.get("fullCalcOnLoad") in ("1", "true")
        return False

    def sheet(self, name: str, names: list[str] | None = None) -> SheetInfo | None:
        """The sheet called ``name``; failing that, when ``names`` (the sheet names another
        reader gave, in workbook order) has as many sheets, the one at the same position."""
        found = next((s for s in self.sheets if s.name == name), None)
        if found is None and names is not None and len(names) == len(self.sheets):
            found = self.sheets[names.index(name)]
        return found

    def cells(self, name: str, names: list[str] | None = None) -> SheetCells:
        """The percentage and formula cells of sheet ``name`` (empty for a plain sheet)."""
        info = self.sheet(name, names)
        if info is None or info.part is None or info.part not in self._zip.NameToInfo:
            # Without the sheet's XML its percentages and formulas cannot be known.
            raise WorkbookError(f"sheet {name!r}: its cells cannot be found in the workbook")
        xml = self._read(info.part)
        if self.styles_part is None and any(int(s) for s in set(_STYLE_ATTR.findall(xml))):
            # Cells name number formats that cannot be looked up: a percentage would be
            # read as its fraction (0.83 for 83%).
            raise WorkbookError(
                f"sheet {name!r}: its cells use number formats but the workbook's styles "
                "cannot be found"
            )
        # A plain byte search first (memchr speed): "<f" also starts <filters>, so confirm.
        has_formula = (b"<f" in xml or b":f" in xml) and _HAS_FORMULA.search(xml) is not None
        has_percent = bool(self.percent_styles) and (
            (0 in self.percent_styles)
            or any(int(s) in self.percent_styles for s in set(_STYLE_ATTR.findall(xml)))
        )
        if not (has_formula or has_percent):
            return SheetCells()  # the fast path: nothing here needs more than its value
        try:
            found = self._scan_fast(xml)
            return found if found is not None else self._scan(xml)
        except (ElementTree.ParseError, ValueError) as exc:
            raise WorkbookError(f"sheet {name!r}: {exc}") from None

    def _scan_fast(self, xml: bytes) -> SheetCells | None:
        """The cells that matter, found with regular expressions (every writer puts a
        reference on each cell); None when a cell has no reference, for :meth:`_scan`."""
        found = SheetCells()
        percent_styles = self.percent_styles
        default_percent = 0 in percent_styles
        recalculate = self.recalculate_on_open
        columns: dict[bytes, int] = {}  # letters -> index, computed once per column
        first = None
        for attributes, content in _CELL.findall(xml):
            reference = _ATTR_R.search(attributes)
            if reference is None:
                return None
            letters = reference[1]
            column = columns.get(letters)
            if column is None:
                column = columns[letters] = column_index(letters.decode())
            if not content:
                continue
            start = content.find(b"<v>")
            if start >= 0:
                stored = content[start + 3 : content.find(b"<", start + 3)]
                saved = True
            else:
                value = _VALUE.search(content)
                stored = value[1] if value else b""
                saved = value is not None or _EMPTY_VALUE.search(content) is not None
            if (stored or b"is>" in content) and (first is None or column < first):
                first = column
            # A text result saved empty (<v></v>, t="str") is a formula showing a blank cell
            # (=IF(...,"",...)): read as missing, like the blank it shows.
            empty_text = saved and not stored and _is_text_result(attributes)
            if b"f" in content and ((not stored and not empty_text) or recalculate):
                formula = _FORMULA.search(content)
                if formula is not None:
                    found.formulas[(int(reference[2]), column)] = (
                        (letters + reference[2]).decode(),
                        _unescape((formula[1] or b"").decode()),
                        _unescape(stored.decode()) if stored else None,
                    )
                    continue
            if not stored or not percent_styles:
                continue
            style = _ATTR_S.search(attributes) if b"s" in attributes else None
            if (int(style[1]) in percent_styles) if style else default_percent:
                kind = _ATTR_T.search(attributes) if b"t" in attributes else None
                if kind is None or kind[1] == b"n":
                    found.percent[(int(reference[2]), column)] = stored.decode()
        found.first_column = first
        return found

    def _scan(self, xml: bytes) -> SheetCells:
        found = SheetCells()
        row_number = 0
        column = -1
        for event, element in ElementTree.iterparse(io.BytesIO(xml), events=("start", "end")):
            tag = _local(element.tag)
            if event == "start":
                if tag == "row":
                    row_number = int(element.get("r") or row_number + 1)
                    column = -1
                continue
            if tag != "c":
                if tag == "row":
                    element.clear()
                continue
            reference = element.get("r")
            if reference:
                match = _CELL_REF.match(reference)
                if not match:
                    raise ValueError(f"bad cell reference {reference!r}")
                column = column_index(match[1])
                row_number = int(match[2])
            else:
                column += 1
            kind = element.get("t") or "n"
            formula = value = inline = None
            saved = False
            for child in element:
                child_tag = _local(child.tag)
                if child_tag == "f":
                    formula = child.text or ""
                elif child_tag == "v":
                    value = child.text
                    saved = True
                elif child_tag == "is":
                    inline = "".join(child.itertext())
            if (value or inline) and (found.first_column is None or column < found.first_column):
                found.first_column = column
            place = (row_number, column)
            empty_text = saved and not value and kind == "str"
            if formula is not None and ((not value and not empty_text) or self.recalculate_on_open):
                found.formulas[place] = (
                    column_letter(column) + str(row_number),
                    formula,
                    value or inline or None,
                )
            elif (
                value
                and kind == "n"
                and int(element.get("s") or 0) in self.percent_styles
                and self.percent_styles
            ):
                found.percent[place] = value
            element.clear()
        return found


def _is_text_result(attributes: bytes) -> bool:
    kind = _ATTR_T.search(attributes) if b"t" in attributes else None
    return kind is not None and kind[1] == b"str"


def is_percent_format(code: str) -> bool:
    """True when an Excel number format code multiplies by 100: a ``%`` that is not inside
    quotes (``0"%"`` shows 83 as 83%), escaped (``0\\%``) or in brackets (``[Red]``)."""
    quoted = bracket = escaped = False
    for char in code:
        if escaped:
            escaped = False
        elif quoted:
            quoted = char != '"'
        elif bracket:
            bracket = char != "]"
        elif char == '"':
            quoted = True
        elif char == "[":
            bracket = True
        elif char in "\\_*":  # \x literal; _x a space as wide as x; *x fill with x
            escaped = True
        elif char == "%":
            return True
    return False


def percent_text(stored: str) -> str | None:
    """The figure Excel shows for a percentage cell holding ``stored``: 0.83 -> ``83``,
    exactly (decimal arithmetic, no 83.00000000000001); None if ``stored`` is not a number.

    Excel saves numbers with up to 17 significant digits (0.57 as ``0.56999999999999995``)
    but works with and shows 15, so the number is first rounded to 15 significant digits.
    """
    try:
        number = _EXCEL_PRECISION.create_decimal(stored.strip())
    except (InvalidOperation, AttributeError):
        return None
    if not number.is_finite():
        return None
    return format(number.scaleb(2).normalize(), "f")


def column_index(letters: str) -> int:
    """``A`` -> 0, ``Z`` -> 25, ``AA`` -> 26."""
    index = 0
    for char in letters:
        index = index * 26 + (ord(char) - 64)
    return index - 1


def column_letter(index: int) -> str:
    """0 -> ``A``, 26 -> ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _target(folder: str, target: str) -> str:
    """The zip member a relationship's target names, relative to ``folder`` or absolute."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


def _unescape(text: str) -> str:
    """XML's five entities, ``&amp;`` last (what xml.sax.saxutils.unescape does with the two
    quotes added, without importing urllib.request and with it http, ssl and email)."""
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
