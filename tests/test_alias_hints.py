"""Issue 18 items 4 and 5: a suggestion in the kind of name the user typed (ids for ids,
names for names), and an unknown extract label made to stick with
``csc-perf indicators --add-alias ID TEXT`` (the file's comments and layout kept)."""

from __future__ import annotations

import difflib
import shutil

import pytest

from conftest import ROOT
from csc_perf.app.indicators import add_alias
from csc_perf.definitions import load_definitions, parse_definitions
from csc_perf.errors import UsageError
from csc_perf.ingest.checks.names import shell_quoted
from csc_perf.ingest.validation import validate_files

# The shipped file's children_in_care aliases line (indicators.toml, typed from it).
ALIASES_LINE = (
    'aliases = ["Children in our care", "Number of children looked after", "Number of CLA", '
    '"Children looked after"'
)


def test_an_id_like_text_gets_ids(definitions):
    suggested = definitions.suggest("childrens_in_care")
    assert suggested[0] == "children_in_care"
    ids = {i.id for i in definitions.indicators}
    assert set(suggested) <= ids


def test_a_name_gets_names(definitions):
    suggested = definitions.suggest("Number of children in care")
    assert suggested[0] == "Number of children in our care"
    names = {i.name for i in definitions.indicators}
    assert set(suggested) <= names


def test_an_id_like_text_far_from_every_id_is_still_answered_with_ids(definitions):
    # "number_of_contacts" is no close id, but close to the alias "Number of contacts"
    # once compared as a name; the answer is still the id the user can type.
    suggested = definitions.suggest("number_of_contacts")
    assert suggested and suggested[0] == "contacts"


def test_part_of_an_alias_or_an_id_is_suggested(definitions):
    # The reviewer: "cla rate" offered CP plans and unregulated placements, not the
    # indicator whose alias is "CLA rate per 10,000"; "s47" offered nothing though three
    # ids start with "s47_" (indicators.toml). A text whose words start words of an id,
    # name or alias suggests that indicator's id, the ids starting with it first.
    assert definitions.suggest("cla rate")[0] == "children_in_care_rate"
    assert definitions.suggest("s47") == ["s47_enquiries", "s47_rate", "s47_to_icpc"]
    assert definitions.suggest("childrens_in_care")[0] == "children_in_care"  # as before


def test_benchmarks_show_suggests_as_trend_does(cli, seeded_workspace):
    result = cli("benchmarks", "show", "childrens_in_care")
    assert result.exit_code == 2
    assert "unknown indicator 'childrens_in_care'" in result.stderr
    assert "did you mean 'children_in_care'" in result.stderr
    s47 = cli("trend", "s47")
    assert "did you mean 's47_enquiries' or 's47_rate' or 's47_to_icpc'?" in s47.stderr


def test_trend_suggests_the_id(cli, seeded_workspace):
    result = cli("trend", "childrens_in_care")
    assert result.exit_code == 2
    assert "unknown indicator 'childrens_in_care'" in result.stderr
    assert "did you mean 'children_in_care'" in result.stderr
    assert "Number of children in our care" not in result.stderr


def test_trend_suggests_a_name_for_a_name(cli, seeded_workspace):
    result = cli("trend", "Number of children in care")
    assert result.exit_code == 2
    assert "did you mean 'Number of children in our care'" in result.stderr


def test_unknown_label_says_how_to_make_it_stick(tmp_path, definitions):
    extract = tmp_path / "f.csv"
    extract.write_text("Indicator,Sep-24,Oct-24\nNumber of children in care,510,512\n", "utf-8")
    (issue,) = validate_files([extract], definitions).issues
    assert issue.code == "indicator-unknown"
    assert "did you mean 'Number of children in our care'" in issue.message
    assert "add 'Number of children in care' to `aliases` of `children_in_care`" in issue.message
    assert (
        "csc-perf indicators --add-alias children_in_care 'Number of children in care'"
        in issue.message
    )


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Number of children in care", "'Number of children in care'"),
        ("Children's homes", '"Children\'s homes"'),
        ("Children's $HOME", "'Children'\"'\"'s $HOME'"),
        ("plain", "plain"),
    ],
)
def test_the_command_pastes_into_a_shell(text, word):
    assert shell_quoted(text) == word


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]


def test_add_alias_round_trips_the_shipped_file(cli, workspace):
    config = workspace / "indicators.toml"
    before = config.read_text("utf-8")
    result = cli("indicators", "--add-alias", "children_in_care", "Number of children in care")
    assert result.exit_code == 0, result.stderr
    assert "added 'Number of children in care' to the aliases of 'children_in_care'" in (
        result.stderr
    )
    after = config.read_text("utf-8")
    # Every comment and the layout byte for byte: one line differs, and only by the alias.
    assert changed_lines(before, after) == [
        f"-{ALIASES_LINE}]",
        f'+{ALIASES_LINE}, "Number of children in care"]',
    ]
    assert len(after) == len(before) + len(', "Number of children in care"')
    assert cli("indicators", "--check", config).exit_code == 0
    # The label now matches, so an extract using it is valid.
    extract = workspace / "f.csv"
    extract.write_text("Indicator,Sep-24,Oct-24\nNumber of children in care,510,512\n", "utf-8")
    report = validate_files([extract], load_definitions(config))
    assert report.valid, [i.message for i in report.issues]
    assert set(report.observations.get_column("indicator")) == {"children_in_care"}


def test_adding_it_twice_changes_nothing(cli, workspace):
    config = workspace / "indicators.toml"
    assert cli("indicators", "--add-alias", "contacts", "Contacts received").exit_code == 0
    once = config.read_bytes()
    result = cli("indicators", "--add-alias", "contacts", "contacts  RECEIVED")
    assert result.exit_code == 0
    assert "already names 'contacts'; unchanged" in result.stderr
    assert config.read_bytes() == once


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("childrens_in_care", "Number of children in care"),
            "has no indicator with id 'childrens_in_care'",
        ),
        (
            ("contacts", "Number of children in our care"),
            "'Number of children in our care' already names the indicator 'children_in_care'",
        ),
        (("contacts", "children_in_care"), "already names the indicator 'children_in_care'"),
        (("contacts", "   "), "the alias is blank"),
    ],
)
def test_add_alias_refuses(cli, workspace, args, message):
    config = workspace / "indicators.toml"
    before = config.read_bytes()
    result = cli("indicators", "--add-alias", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert config.read_bytes() == before


def test_unknown_id_gets_id_suggestions(cli, workspace):
    result = cli("indicators", "--add-alias", "childrens_in_care", "x")
    assert "did you mean 'children_in_care'" in result.stderr


NO_ALIASES = """\
# My definitions\r
[[theme]]\r
id = "visiting"   # the one table\r
name = "Visiting"\r
\r
[[indicator]]\r
id = "visits"\r
name = "Percentage of CLA visited"  # as the report prints it\r
theme = "visiting"\r
unit = "percent"\r
measure = "percentage"\r
polarity = "higher"\r
# end\r
"""


def test_an_aliases_line_goes_after_name_and_a_bom_and_crlf_stay(tmp_path):
    config = tmp_path / "indicators.toml"
    config.write_bytes(b"\xef\xbb\xbf" + NO_ALIASES.encode("utf-8"))
    done = add_alias(config, "visits", "CLA visits")
    assert done.added
    data = config.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    expected = NO_ALIASES.replace(
        "# as the report prints it\r\n",
        '# as the report prints it\r\naliases = ["CLA visits"]\r\n',
    )
    assert data[3:].decode("utf-8") == expected
    assert parse_definitions(expected).match("cla visits").id == "visits"


def test_a_file_with_problems_is_not_touched(tmp_path):
    config = tmp_path / "indicators.toml"
    shutil.copyfile(ROOT / "indicators.toml", config)
    broken = config.read_text("utf-8").replace('unit = "count"', 'unit = "counts"', 1)
    config.write_text(broken, "utf-8")
    with pytest.raises(Exception, match="problem"):
        add_alias(config, "contacts", "Contacts received")
    assert config.read_text("utf-8") == broken
    with pytest.raises(UsageError):
        add_alias(ROOT / "indicators.toml", "nope", "x")


# -- the file's permissions and the alias's characters (the reviewer's item 3) ---------------


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o555])
def test_a_file_without_write_permission_is_refused_and_left_alone(cli, workspace, mode):
    # st_mode, not os.access: as root os.access says yes to a read-only file.
    config = workspace / "indicators.toml"
    before = config.read_bytes()
    config.chmod(mode)
    try:
        result = cli("indicators", "--add-alias", "contacts", "Contacts received")
        assert result.exit_code == 2, result.stderr
        assert "indicators.toml" in result.stderr and "read-only" in result.stderr
        assert config.read_bytes() == before
        assert config.stat().st_mode & 0o777 == mode
    finally:
        config.chmod(0o644)


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664])
def test_the_replaced_file_keeps_its_mode_and_owner(cli, workspace, mode):
    config = workspace / "indicators.toml"
    config.chmod(mode)
    owner = (config.stat().st_uid, config.stat().st_gid)
    result = cli("indicators", "--add-alias", "contacts", "Contacts received")
    assert result.exit_code == 0, result.stderr
    assert "Contacts received" in config.read_text("utf-8")
    assert config.stat().st_mode & 0o777 == mode
    assert (config.stat().st_uid, config.stat().st_gid) == owner


def test_an_error_writing_the_temporary_file_names_the_definitions_file(tmp_path, monkeypatch):
    config = tmp_path / "indicators.toml"
    shutil.copyfile(ROOT / "indicators.toml", config)
    before = config.read_bytes()

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / ".indicators.toml.x.tmp"))

    monkeypatch.setattr("csc_perf.render.files.tempfile.mkstemp", refused)
    with pytest.raises(UsageError) as caught:
        add_alias(config, "contacts", "Contacts received")
    message = str(caught.value)
    assert str(config) in message and "Permission denied" in message
    assert ".tmp" not in message
    assert config.read_bytes() == before


@pytest.mark.parametrize("alias", ["Contacts\nreceived", "Contacts\treceived", "Contacts\x1b[31m"])
def test_an_alias_with_a_control_character_is_refused(cli, workspace, alias):
    config = workspace / "indicators.toml"
    before = config.read_bytes()
    result = cli("indicators", "--add-alias", "contacts", alias)
    assert result.exit_code == 2, result.stderr
    assert "control character" in result.stderr
    assert config.read_bytes() == before
