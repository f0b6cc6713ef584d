"""Jinja filters that turn free-text answers into correct literals for each file format.

Answers such as the project name or the author are data: a quote, a backslash or an
emoji must reach the rendered file unchanged in meaning. Each filter returns a complete
literal (quotes included) or escaped text for one format, and the template tests parse
the baked files to prove the round trip.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, Template
from jinja2.ext import Extension
from jinja2.runtime import Context

# Characters that JSON may leave raw but TOML (DEL) or YAML (DEL, C1 controls, line and
# paragraph separators) reject inside a double-quoted string.
_RAW_IN_JSON_ONLY = re.compile("[\x7f-\x9f\u2028\u2029]")
# Characters that start emphasis, code, links, HTML, entities, tables or strikethrough
# anywhere in a line, and "#", which could close a heading. CommonMark lets any ASCII punctuation be escaped with a backslash.
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>&|~#])")
# What makes a line a heading, quote, list item or thematic break when it leads.
_MARKDOWN_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))")


def _unicode_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def quoted(value: str) -> str:
    """Return a double-quoted string literal valid in JSON, TOML and YAML alike.

    ``json.dumps(ensure_ascii=False)`` keeps emoji and CJK readable (Jinja's ``tojson``
    writes surrogate pairs, which TOML rejects); the few characters it leaves raw that
    TOML or YAML refuse are escaped as ``\\uXXXX``.
    """
    return _RAW_IN_JSON_ONLY.sub(_unicode_escape, json.dumps(value, ensure_ascii=False))


def py_str(value: str) -> str:
    """Return a Python string literal that black leaves as it is.

    black prefers double quotes unless that needs more escapes, so a value with more
    double than single quotes is written in single quotes.
    """
    quote = "'" if value.count('"') > value.count("'") else '"'
    body = []
    for char in value:
        if char in ("\\", quote):
            body.append("\\" + char)
        elif char == "\n":
            body.append("\\n")
        elif char == "\r":
            body.append("\\r")
        elif char == "\t":
            body.append("\\t")
        elif ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F or char in "\u2028\u2029":
            body.append(
                f"\\u{ord(char):04x}" if ord(char) > 0xFF else f"\\x{ord(char):02x}"
            )
        else:
            body.append(char)
    return quote + "".join(body) + quote


def answers_json(context: Mapping[str, Any]) -> str:
    """Return the user's answers (no ``_private`` keys) as an indented JSON document.

    The baked project keeps it as ``.cookiecutter.json`` so it can be re-baked or updated
    with the same answers.
    """
    answers = {key: value for key, value in context.items() if not key.startswith("_")}
    text = json.dumps(answers, ensure_ascii=False, indent=2, sort_keys=True)
    return _RAW_IN_JSON_ONLY.sub(_unicode_escape, text)


def md_text(value: str) -> str:
    """Escape one line so Markdown shows it literally (no emphasis, links, headings, HTML).

    Only what Markdown would act on is escaped, so ordinary text stays readable.
    """
    escaped = _MARKDOWN_INLINE.sub(r"\\\1", value)
    block = _MARKDOWN_BLOCK_START.match(escaped)
    if block is None:
        return escaped
    marker = block.group(2)
    # An ordered-list number is made harmless by escaping the "." or ")" after it.
    if marker[0].isdigit():
        end = block.end()
        return escaped[:end] + "\\" + escaped[end:]
    return escaped[: block.start(2)] + "\\" + escaped[block.start(2) :]


# The yes/no answers of cookiecutter.json, and the words cookiecutter 2.7 reads as yes/no.
BOOLEAN_ANSWERS = frozenset(
    key
    for key, value in json.loads(
        Path(__file__).with_name("cookiecutter.json").read_text(encoding="utf-8")
    ).items()
    if isinstance(value, bool)
)
_YES = frozenset({"1", "true", "t", "yes", "y", "on"})
_NO = frozenset({"0", "false", "f", "no", "n", "off"})


def yes_no_as_booleans(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Return the answers with yes/no words for the yes/no answers turned into booleans.

    Cookiecutter 2.7 does this itself for ``include_api=no`` on the command line;
    2.2 to 2.6 hand the word on as text, which every ``{% if %}`` would take as true.
    Anything else is left alone for the pre-generation hook to refuse.
    """
    converted = dict(answers)
    for key in BOOLEAN_ANSWERS.intersection(answers):
        value = answers[key]
        if isinstance(value, str) and value.strip().lower() in _YES | _NO:
            converted[key] = value.strip().lower() in _YES
    return converted


class AnswersTemplate(Template):
    """A template that sees the yes/no answers as booleans, whatever cookiecutter sent."""

    def new_context(
        self,
        vars: dict[str, Any] | None = None,
        shared: bool = False,
        locals: Mapping[str, Any] | None = None,
    ) -> Context:
        answers = (vars or {}).get("cookiecutter")
        if isinstance(answers, Mapping):
            vars = {**(vars or {}), "cookiecutter": yes_no_as_booleans(answers)}
        return super().new_context(vars, shared, locals)


class LiteralsExtension(Extension):
    """Registers the filters above, and the yes/no answers as booleans, for every file."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        # Every template cookiecutter renders (files, names, hooks) is built from this.
        environment.template_class = AnswersTemplate
        filters: dict[str, Any] = {
            "answers_json": answers_json,
            "md_text": md_text,
            "py_str": py_str,
            "quoted": quoted,
        }
        environment.filters.update(filters)
