"""The literal filters: any text must round-trip through each format's own parser."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from collections.abc import Callable

import black
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from local_extensions import answers_json, md_text, py_str, quoted

# Any Unicode text except lone surrogates, which no UTF-8 file can hold.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=80)
# Edge cases hypothesis may not reach on its own.
TRICKY = [
    "",
    "\\",
    "ends with \\",
    "it's",
    'say "hi"',
    'both \' and ""',
    "\x7f\x85\x9f\u2028\u2029",
    "\x00\t\x1b\r\n",
    "🚀 数据 שלום",
    "'''\"\"\"",
]
MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
MARKDOWN_INLINE = "\\`*_[]<>&|~#"


def with_tricky_examples(test: Callable[[str], None]) -> Callable[[str], None]:
    for value in TRICKY:
        test = example(value)(test)
    return test


@given(TEXT)
@with_tricky_examples
def test_quoted_round_trips_in_json_toml_and_yaml(value: str) -> None:
    literal = quoted(value)

    assert json.loads(literal) == value
    assert tomllib.loads(f"key = {literal}\n")["key"] == value
    assert yaml.safe_load(f"key: {literal}\n")["key"] == value


@given(TEXT)
@with_tricky_examples
def test_py_str_round_trips_and_black_leaves_it_alone(value: str) -> None:
    source = f"NAME = {py_str(value)}\n"

    assert ast.literal_eval(py_str(value)) == value
    assert black.format_str(source, mode=black.Mode()) == source


@given(st.dictionaries(st.text(max_size=10), TEXT | st.booleans(), max_size=5))
def test_answers_json_keeps_public_answers(answers: dict[str, str | bool]) -> None:
    parsed = json.loads(answers_json(answers))

    assert parsed == {k: v for k, v in answers.items() if not k.startswith("_")}


@given(TEXT.filter(lambda v: len(f"{v}.".splitlines()) == 1))
@with_tricky_examples
def test_md_text_escapes_what_markdown_would_act_on(value: str) -> None:
    escaped = md_text(value)

    assert MARKDOWN_ESCAPE.sub(r"\1", escaped) == value
    # With the escape pairs taken out, nothing is left that starts inline markup...
    assert not set(MARKDOWN_ESCAPE.sub("", escaped)) & set(MARKDOWN_INLINE)
    # ...and the line does not open a heading, quote, list or thematic break.
    assert not re.match(r"\s*([#>+=*-]|\d+[.)])", escaped)


def test_md_text_leaves_ordinary_text_readable() -> None:
    text = "A machine-learning service: training, MLflow (v2) and 100% uptime."

    assert md_text(text) == text
