"""`validate`: everything wrong with a template's parts, found before it is saved."""

from __future__ import annotations

from jinja2 import meta, nodes

from notifications.templates.compiling import parse, prepare, sandbox, unknown_shortcode
from notifications.templates.content import Content
from notifications.templates.data import VARIABLES
from notifications.templates.errors import Problem, TemplateError, TemplateErrorCode
from notifications.templates.shortcodes import SHORTCODES, position, tokens_with_offsets


def validate(content: Content) -> list[Problem]:
    """Every problem of every part, in order: a syntax error (its line, and the column of
    the tag it is in), each unknown shortcode (exact line and column) and each variable a
    template names that no message has (its first use), and any `include`, `extends` or
    `import` (there are no other templates to reach). An empty list: the template
    compiles and names only known values; rendering may still fail on a value a message
    lacks (UNDEFINED) or on the limits."""
    problems: list[Problem] = []
    for part in content.parts():
        try:
            prepared = prepare(part.source, part.html)
            problems.extend(
                unknown_shortcode(found).on_field(part.field).as_problem()
                for found in prepared.shortcodes
                if found.name not in SHORTCODES
            )
            tree = parse(prepared, part.html)
        except TemplateError as error:
            problems.append(error.on_field(part.field).as_problem())
            continue
        problems.extend(
            Problem(
                part.field,
                TemplateErrorCode.UNSAFE,
                "a template cannot include, extend or import another",
                node.lineno,
            )
            for node in sorted(tree.find_all(_OTHER_TEMPLATES), key=lambda node: node.lineno)
        )
        env = sandbox(part.html)
        unknown = meta.find_undeclared_variables(tree) - VARIABLES - set(env.globals)
        problems.extend(
            _unknown_variable(part.field, name, prepared.source, part.html)
            for name in sorted(unknown)
        )
    return problems


_OTHER_TEMPLATES = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)


def _unknown_variable(field: str, name: str, source: str, html: bool) -> Problem:
    line = column = None
    for offset, kind, value in tokens_with_offsets(sandbox(html), source):
        if kind == "name" and value == name:
            line, column = position(source, offset)
            break
    return Problem(
        field,
        TemplateErrorCode.UNKNOWN_VARIABLE,
        f"{name!r} is not a value a message has (see the shortcodes for those it has)",
        line,
        column,
    )
