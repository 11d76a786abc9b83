from runner.config.yaml12 import parse


def test_yaml_1_1_booleans_stay_strings():
    doc = parse("a: no\nb: yes\nc: on\nd: off\ne: true\nf: False\ng: y\n", "f.yaml")
    assert doc.data == {"a": "no", "b": "yes", "c": "on", "d": "off", "e": True, "f": False, "g": "y"}


def test_numbers_follow_yaml_1_2_core():
    doc = parse("a: 010\nb: 0o10\nc: 0x1f\nd: 1:30\ne: 1_000\nf: 1.5e3\ng: .inf\nh: 22050\n", "f.yaml")
    assert doc.data["a"] == 10 and doc.data["b"] == 8 and doc.data["c"] == 31
    assert doc.data["d"] == "1:30" and doc.data["e"] == "1_000"  # YAML 1.1 would give 90 and 1000
    assert doc.data["f"] == 1500.0 and doc.data["g"] == float("inf") and doc.data["h"] == 22050


def test_dates_stay_strings():
    assert parse("d: 2026-11-21\n", "f.yaml").data == {"d": "2026-11-21"}


def test_duplicate_keys_are_located_errors():
    doc = parse("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n", "f.yaml")
    found = sorted((d.line, d.column, d.path, d.code) for d in doc.problems)
    assert found == [(4, 3, "/b/c", "duplicate-key"), (5, 1, "/a", "duplicate-key")]
    assert "first defined at line 1" in [d for d in doc.problems if d.path == "/a"][0].message


def test_syntax_error_points_at_line_and_column():
    doc = parse("a: 1\nb: [1, 2\nc: 3\n", "f.yaml")
    assert doc.data is None
    [problem] = doc.problems
    assert problem.code == "syntax" and problem.line == 3 and problem.column >= 1


def test_tab_indentation_is_a_syntax_error():
    doc = parse("a:\n\tb: 1\n", "f.yaml")
    assert doc.data is None and doc.problems[0].code == "syntax" and doc.problems[0].line == 2


def test_positions_of_values_and_keys():
    doc = parse("targets:\n  - language: es\n    engine: neural\n", "f.yaml")
    assert doc.source_map.locate("/targets/0/engine") == (3, 13)
    assert doc.source_map.locate("/targets/0/engine", key=True) == (3, 5)
    assert doc.source_map.locate("/targets/0/missing") == (2, 5)  # nearest ancestor


def test_last_duplicate_wins_in_data_and_positions():
    doc = parse("a: 1\na: [x]\n", "f.yaml")
    assert doc.data == {"a": ["x"]}
    assert doc.source_map.locate("/a/0") == (2, 5)


def test_merge_keys_are_supported_and_overridden():
    doc = parse("base: &b {x: 1, y: 2}\nt:\n  <<: *b\n  y: 3\n", "f.yaml")
    assert doc.data["t"] == {"x": 1, "y": 3}
    assert doc.source_map.locate("/t/y") == (4, 6)


def test_alias_bomb_is_refused():
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 8):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 10)}]")
    doc = parse("\n".join(lines) + "\n", "f.yaml")
    assert doc.data is None and doc.problems[0].code == "too-large"


def test_non_string_keys_are_errors():
    doc = parse("1: a\ntrue: b\n", "f.yaml")
    assert doc.data is None and {d.code for d in doc.problems} == {"key-type"}


def test_several_documents_are_an_error():
    doc = parse("a: 1\n---\nb: 2\n", "f.yaml")
    assert doc.data is None and doc.problems[0].code == "syntax"


def test_unknown_tag_is_an_error_not_a_crash():
    doc = parse("a: !!python/object:os.system x\n", "f.yaml")
    assert doc.data is None and doc.problems[0].line == 1


def test_characters_yaml_forbids_are_located():
    doc = parse("a: 1\nb: x\x07y\n", "f.yaml")
    assert doc.data is None
    [d] = doc.problems
    assert (d.line, d.column, d.code) == (2, 5, "syntax") and "'\\x07' is not allowed" in d.message


def test_dump_quotes_what_yaml_1_2_would_retype():
    from runner.config.yaml12 import dump

    data = {"name": "0o17", "script": ["0x1F", "1e3", ".5", "no", "null", "~", "True", "1_000", "2026-01-01", "1:30",
                                       ".nan", "-.inf", "+12", "tab\there", "é🎙", "\x85", ""],
            "numbers": [0, -3, 2.5, 1e20, True, None]}
    text = dump(data)
    assert "name: '0o17'" in text and "- '1e3'" in text
    assert parse(text, "f.yaml").data == data
