from caseload.tui.safe import clean, literal


def test_markup_is_kept_as_characters():
    text = literal("[bold]X[/bold] [link=http://x]y[/link]")
    assert text.plain == "[bold]X[/bold] [link=http://x]y[/link]"
    assert not text.spans


def test_control_characters_become_visible():
    assert clean("Diaz\x1b[31m, Luis") == "Diaz\u241b[31m, Luis"
    assert clean("a\x00b\x07c\x7f") == "a\u2400b\u2407c\u2421"
    assert clean("csi\x9b2J") == "csi?2J"
    assert clean("rtl\u202eevil") == "rtl?evil"
    assert clean("line\nbreak") == "line\u240abreak"
    assert clean("tab\there") == "tab here"


def test_multiline_keeps_newlines_only():
    assert clean("a\r\nb\x1bc", multiline=True) == "a\nb\u241bc"


def test_none_and_non_strings():
    assert clean(None) == ""
    assert literal(42).plain == "42"


def test_style_applies_to_whole_text():
    text = literal("x", style="bold")
    assert text.style == "bold"
