"""Loading stage: positions are kept, and unsafe or ambiguous YAML is refused with a position."""

import pytest

from guidebook.catalogue.yamlsource import YamlError, parse_yaml


def test_positions_of_values_and_keys():
    doc = parse_yaml("a: 1\nb:\n  - x\n  - {c: 2}\n", "t.yaml")
    assert doc.data == {"a": 1, "b": ["x", {"c": 2}]}
    assert doc.positions.of(("b", 1, "c")) == (4, 9)
    assert doc.positions.of(("b",), key=True) == (2, 1)
    # an unknown path falls back to its nearest ancestor
    assert doc.positions.of(("b", 1, "missing")) == (4, 5)


@pytest.mark.parametrize("text, message", [
    ("a: 1\na: 2\n", 't.yaml:2:1: duplicate key "a" (first defined on line 1)'),
    ("a: &x [1]\nb: *x\n", "t.yaml:1:4: YAML anchors and aliases (&, *) are not allowed in the catalogue"),
    ("a:\n\t- 1\n", "t.yaml:2:1: YAML syntax error: tab characters are not allowed for indentation; use spaces"),
    ('a: "\x07"\n', "t.yaml:1:5: control character U+0007 is not allowed"),
    ("x: 1\nb: \u202eab\n", "t.yaml:2:4: control character U+202E is not allowed"),
    ("a: [1\n", "t.yaml:2:1: YAML syntax error: did not find expected ',' or ']'"),
    ("<<: {a: 1}\n", "t.yaml:1:1: YAML merge keys (<<) are not allowed in the catalogue"),
    # mistakes a person makes, in words a person who does not know YAML can act on, at the right line
    ("title: 事项\nchannels:\n  - kind: 窗口办\n    text: 窗口\n   time_limit: 即时\n",
     "t.yaml:5:4: line 5 is indented 3 spaces, unlike the lines around it: indent it 4 spaces (like "
     "line 4) (第 5 行缩进了 3 格，与上下的行对不齐：应缩进 4 格（同第 4 行）)"),
    ("title: 事项\ntime_limit 即时办结\nnumber: 3\n",
     't.yaml:2:1: line 2 has no colon after its field name: "time_limit 即时办结" (第 2 行缺少冒号；写成 名称: 内容)'),
    ("title: 网址: http://a.b\n",
     't.yaml:1:10: line 1 has a second colon in a value (第 1 行的内容里有冒号：请给整段文字加上引号，或把冒号写成中文冒号'
     '“：”): put the text in quotes, e.g. "...：...", or write the colon as ：'),
])
def test_refused_yaml_names_file_line_and_column(text, message):
    with pytest.raises(YamlError) as err:
        parse_yaml(text, "t.yaml")
    assert str(err.value) == message


ENTRY = "materials:\n  items:\n    - name: 身份证\n      copy: 原件\n{}\ntime_limit: 即时办结\n"


@pytest.mark.parametrize("spaces", [4, 5, 7, 8, 9])
def test_a_field_indented_wrongly_is_told_the_indentation_of_its_neighbours(spaces):
    """A field of a list entry (`count` beside `copy`, at 6 spaces) typed at another indentation: the advice
    names 6, never the indentation the line already has, and following it makes the file read."""
    text = ENTRY.format(" " * spaces + "count: 1")
    with pytest.raises(YamlError) as err:
        parse_yaml(text, "t.yaml")
    message = str(err.value)
    assert message.startswith("t.yaml:5:") and f"indented {spaces} spaces" in message, message
    advised = [int(n) for n in __import__("re").findall(r"indent it (\d+) spaces", message)]
    assert advised and advised[0] == 6 and spaces not in advised, message
    assert "应缩进 6 格" in message
    assert parse_yaml(ENTRY.format(" " * advised[0] + "count: 1"), "t.yaml").data["materials"]["items"][0]["count"] == 1


def test_a_top_level_field_indented_under_a_value_is_an_indentation_mistake_not_a_colon():
    with pytest.raises(YamlError) as err:
        parse_yaml("number: 15\ncategory: 失业保险\n   title: 失业保险金申领\n", "t.yaml")
    assert "indent it 0 spaces (like line 2)" in str(err.value) and "colon" not in str(err.value)


def test_alias_bomb_is_refused_quickly():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8))
    with pytest.raises(YamlError, match="anchors and aliases"):
        parse_yaml(bomb, "bomb.yaml")


def test_byte_order_mark_is_accepted(tmp_path):
    from guidebook.catalogue.yamlsource import load_yaml

    p = tmp_path / "bom.yaml"
    p.write_bytes("\ufeffa: 1\n".encode("utf-8"))
    assert load_yaml(p).data == {"a": 1}


def test_oversized_file_is_refused(tmp_path):
    from guidebook.catalogue.yamlsource import MAX_FILE_BYTES, load_yaml

    p = tmp_path / "big.yaml"
    p.write_bytes(b"a: " + b"x" * (MAX_FILE_BYTES + 10) + b"\n")
    with pytest.raises(YamlError, match="file is too large"):
        load_yaml(p)

