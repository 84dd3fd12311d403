"""Adapters: a command's typer options, the suite's pytest options and the README tables, all from :func:`options`.

Why values reach commands as text: pydantic converts them in :func:`~cph.settings.load`, so a bad value from the
command line is reported exactly like one from a variable or a file (one line, the flag named)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel

from cph.settings._declare import Option, options

R = TypeVar("R")


def help_text(item: Option) -> str:
    """The help of one option, with the environment variable(s) that set it."""
    return f"{item.help} (env: {', '.join(item.env)})"


def typer_options(
    model: type[BaseModel], *, panel: str | None = None
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Decorate a typer command so it gains one option per command-line option of ``model``.

    The command receives what was given as ``settings`` (a mapping for :func:`load`; absent options are left out)
    and keeps its own parameters. Values reach the command as text: pydantic converts them, so a bad value is
    reported like one from a file or a variable.
    """
    items = [item for item in options(model) if item.flag]

    def decorate(command: Callable[..., R]) -> Callable[..., R]:
        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.name != "settings"]
        added = [
            inspect.Parameter(item.dest, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=_typer(item, panel))
            for item in items
        ]

        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> R:
            given: dict[str, Any] = {}
            for item in items:
                value = kwargs.pop(item.dest)
                if value is not None and value != []:
                    node = given
                    for part in item.path[:-1]:
                        node = node.setdefault(part, {})
                    node[item.path[-1]] = value
            return command(settings=given, **kwargs)

        parameters = [*own, *added]
        wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        return wrapper

    return decorate


def _typer(item: Option, panel: str | None) -> Any:
    assert item.flag is not None
    common: dict[str, Any] = {
        "help": help_text(item),
        "show_default": item.shown_default or False,
        "rich_help_panel": item.panel or panel,
    }
    if item.kind == "bool":
        return Annotated[bool | None, typer.Option(f"{item.flag}/--no-{item.flag[2:]}", **common)]
    if item.kind == "list":
        return Annotated[list[str] | None, typer.Option(item.flag, metavar=item.metavar, **common)]
    return Annotated[str | None, typer.Option(item.flag, metavar=item.metavar, **common)]


def add_pytest_options(group: Any, model: type[BaseModel]) -> None:
    """Add ``model``'s command-line options to a pytest option group (``parser.getgroup(...)``)."""
    for item in options(model):
        if item.flag is None:
            continue
        text = help_text(item) + (f"; default {item.shown_default}" if item.shown_default else "")
        if item.kind == "bool":
            group.addoption(item.flag, action="store_true", default=None, dest=item.dest, help=text)
        elif item.kind == "list":
            group.addoption(item.flag, action="append", default=None, dest=item.dest, metavar=item.metavar, help=text)
        else:
            group.addoption(item.flag, default=None, dest=item.dest, metavar=item.metavar, help=text)


def pytest_values(model: type[BaseModel], getoption: Callable[[str], object]) -> dict[str, Any]:
    """What the command line gave for ``model``'s options (``config.getoption``), ready for :func:`load`."""
    given: dict[str, Any] = {}
    for item in options(model):
        if item.flag is None:
            continue
        value = getoption(item.dest)
        if value is None or value == [] or value is False:
            continue
        node = given
        for part in item.path[:-1]:
            node = node.setdefault(part, {})
        node[item.path[-1]] = value
    return given


def markdown_table(model: type[BaseModel]) -> str:
    """The Markdown table of ``model``'s options: file key, flag, environment variable(s), default, meaning."""
    lines = ["| key | command line | environment | default | meaning |", "|---|---|---|---|---|"]
    for item in options(model):
        cells = [
            f"`{item.key}`",
            f"`{item.flag}`" if item.flag else "—",
            " / ".join(f"`{name}`" for name in item.env),
            item.shown_default.replace("|", "\\|") or "—",
            item.help.replace("|", "\\|"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
