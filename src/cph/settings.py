"""One settings mechanism for the mock, the ``cph`` CLI and the conformance suite.

Why: an option used to be written in four or five places (a dataclass field, an environment-variable table, a file
parser that hard-coded which keys are integers, a typer parameter, the README). Here each option is declared once,
as a field of a pydantic-settings model made with :func:`option` — name, type, default, environment variable(s),
help text and constraints — and everything else is derived from that declaration:

* :func:`load` — defaults < config file (TOML/YAML/JSON) < environment < command line (or code), validated by
  pydantic. A bad value becomes one :class:`SettingsError` line naming the option *as the user gave it* (the flag,
  the environment variable or the file key), never a pydantic dump, and never a secret's value;
* :func:`typer_options` — a command's typer/click options and their ``--help``;
* :func:`add_pytest_options` / :func:`pytest_values` — the conformance suite's pytest options;
* :func:`markdown_table` — the README's tables.

Why pydantic-settings rather than hand-written parsing, dynaconf or plain click ``envvar=``: it validates with the
same pydantic types the declaration is written in (``SecretStr``, constraints, nested sections), reads environment
variables with fallbacks (``AliasChoices``), TOML/YAML/JSON files and nested ``SECTION__KEY`` variables, and lets us
order the sources — while click's ``envvar`` would check types twice and could not say which source a bad value
came from.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import tomllib
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar, Union, get_args, get_origin

import typer
import yaml
from pydantic import AliasChoices, BaseModel, Field, SecretStr, ValidationError
from pydantic_core import PydanticUndefined
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    JsonConfigSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
    YamlConfigSettingsSource,
)
from pydantic_settings import SettingsError as SourceError

S = TypeVar("S", bound="CphSettings")
R = TypeVar("R")


class SettingsError(ValueError):
    """A setting is invalid; the one-line message names the option as the user gave it."""


class CphSettings(BaseSettings):
    """Base of every settings model: frozen, unknown keys refused, nested sections as ``PREFIX_SECTION__KEY``.

    Constructing a model directly reads keyword arguments, then the environment; :func:`load` adds the config
    file and names the source of a bad value.
    """

    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",
        env_nested_delimiter="__",
        env_ignore_empty=True,
        validate_by_name=True,
        validate_by_alias=True,
    )

    config_env: ClassVar[str | None] = None
    """The environment variable naming a config file (e.g. ``CPH_MOCK_CONFIG``), if the model reads one."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        del (
            settings_cls,
            dotenv_settings,
            file_secret_settings,
        )  # no .env files or secret directories: none is documented
        return (init_settings, env_settings)


def option(
    default: Any = PydanticUndefined,
    *,
    help: str,
    env: str | Sequence[str] | None = None,
    flag: str | None = None,
    cli: bool = True,
    section: str | None = None,
    panel: str | None = None,
    shown_default: str | None = None,
    **constraints: Any,
) -> Any:
    """A model field carrying what the adapters need.

    ``env``: the variable(s) read, first found wins (default: the model's prefix + the field name).
    ``flag``: the command-line name without ``--`` (default: the field name with dashes); ``cli=False`` keeps the
    option off command lines (secrets: a command line is visible in ``ps`` and shell history). ``section``: the
    field is a nested model whose fields are options too, with flags ``--<section>-<flag>``. ``shown_default``:
    the text ``--help`` and the README show for the default (e.g. ``random``).
    """
    extra: dict[str, Any] = {"cli": cli}
    for key, value in (("flag", flag), ("section", section), ("panel", panel), ("shown_default", shown_default)):
        if value is not None:
            extra[key] = value
    names = [env] if isinstance(env, str) else list(env or ())
    alias = AliasChoices(*names) if names else None
    return Field(default, description=help, validation_alias=alias, json_schema_extra=extra, **constraints)


# ------------------------------------------------------------------------------------------ the declaration
@dataclass(frozen=True, slots=True)
class Option:
    """One option as the adapters see it (derived from a field; never written by hand)."""

    path: tuple[str, ...]
    flag: str | None
    env: tuple[str, ...]
    help: str
    annotation: Any
    default: Any
    shown_default: str
    panel: str | None

    @property
    def key(self) -> str:
        """The config-file key (dotted for a section: ``faults.latency``)."""
        return ".".join(self.path)

    @property
    def dest(self) -> str:
        """The Python name of the command-line value (``--fault-500`` → ``fault_500``)."""
        return (self.flag[2:] if self.flag else "_".join(self.path)).replace("-", "_")

    @property
    def secret(self) -> bool:
        return SecretStr in _leaves(self.annotation)

    @property
    def kind(self) -> Literal["bool", "list", "value"]:
        inner = _unwrap_optional(self.annotation)
        if inner is bool:
            return "bool"
        if get_origin(inner) in {list, tuple}:
            return "list"
        return "value"

    @property
    def metavar(self) -> str:
        inner = _unwrap_optional(self.annotation)
        if get_origin(inner) in {list, tuple}:
            inner = get_args(inner)[0]
        if get_origin(inner) is Literal:
            return "[" + "|".join(str(value) for value in get_args(inner)) + "]"
        return {int: "INTEGER", float: "NUMBER", Path: "PATH", bool: "BOOLEAN"}.get(inner, "TEXT")


def options(
    model: type[BaseModel], *, _path: tuple[str, ...] = (), _env: str = "", _flag: str = "", _panel: str | None = None
) -> list[Option]:
    """Every option of ``model`` in declaration order, sections expanded."""
    prefix = _env or str(model.model_config.get("env_prefix", ""))
    out: list[Option] = []
    for name, field in model.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        alias = field.validation_alias
        env = tuple(str(c) for c in alias.choices) if isinstance(alias, AliasChoices) else (prefix + name.upper(),)
        cli = bool(extra.get("cli", True)) and (not _path or bool(_flag))
        flag_name = str(extra.get("flag") or name.replace("_", "-"))
        section = extra.get("section")
        nested = _unwrap_optional(field.annotation)
        if section is not None and isinstance(nested, type) and issubclass(nested, BaseModel):
            panel = str(extra["panel"]) if "panel" in extra else _panel
            out += options(
                nested, _path=(*_path, name), _env=env[0] + "__", _flag=str(section) if cli else "", _panel=panel
            )
            continue
        default = field.get_default(call_default_factory=True)
        shown = extra.get("shown_default")
        out.append(
            Option(
                path=(*_path, name),
                flag=(f"--{_flag}-{flag_name}" if _flag else f"--{flag_name}") if cli else None,
                env=env,
                help=field.description or "",
                annotation=field.annotation,
                default=default,
                shown_default=str(shown) if shown is not None else _show(default),
                panel=str(extra["panel"]) if "panel" in extra else _panel,
            )
        )
    return out


def _show(default: Any) -> str:
    if default is None or default is PydanticUndefined:
        return ""
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, tuple | list):
        return ",".join(str(item) for item in default)
    if isinstance(default, int) and abs(default) >= 10_000:
        return f"{default:,}"
    return str(default)


def _unwrap_optional(annotation: Any) -> Any:
    if get_origin(annotation) is Annotated:
        return _unwrap_optional(get_args(annotation)[0])
    if get_origin(annotation) in {Union, types.UnionType}:
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return _unwrap_optional(args[0])
    return annotation


def _leaves(annotation: Any) -> Iterator[Any]:
    yield annotation
    for arg in get_args(annotation):
        yield from _leaves(arg)


# ---------------------------------------------------------------------------------------------------- loading
class _EnvSource(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping (tests pass one; ``None`` = ``os.environ``)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {name.lower(): value for name, value in self._environ.items() if value != ""}


def _file_source(model: type[BaseSettings], path: Path) -> PydanticBaseSettingsSource:
    """pydantic-settings' source for a TOML/YAML/JSON file, with errors a user can act on."""
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        msg = f"cannot read config file {path}: {exc.strerror}"
        raise SettingsError(msg) from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            return TomlConfigSettingsSource(model, toml_file=path)
        if suffix in {".yaml", ".yml"}:
            return YamlConfigSettingsSource(model, yaml_file=path)
        if suffix == ".json":
            return JsonConfigSettingsSource(model, json_file=path)
    except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        kind = suffix[1:].upper().replace("YML", "YAML")
        msg = f"config file {path} is not valid {kind}: {' '.join(str(exc).split())}"
        raise SettingsError(msg) from None
    except (ValueError, TypeError, AttributeError):
        msg = f"config file {path} must hold a mapping at the top level"
        raise SettingsError(msg) from None
    msg = f"config file {path} must end in .toml, .yaml, .yml or .json"
    raise SettingsError(msg)


def load(
    model: type[S],
    *,
    given: Mapping[str, Any] | None = None,
    from_command_line: bool = False,
    env: Mapping[str, str] | None = None,
    file: str | os.PathLike[str] | None = None,
) -> S:
    """``model`` from its defaults < ``file`` (or the file named by ``model.config_env``) < ``env`` (default
    ``os.environ``) < ``given`` (``None`` values = not given; nested mappings for sections).

    ``from_command_line``: ``given`` came from a command line, so errors name its flags.
    Raises :class:`SettingsError` with one line naming the option and where its value came from.
    """
    environ = os.environ if env is None else env
    values = _given(given or {})
    named = file if file is not None else (environ.get(model.config_env) if model.config_env else None)
    path = Path(named) if named else None
    sources: list[PydanticBaseSettingsSource] = [InitSettingsSource(model, init_kwargs=values)]
    try:
        sources.append(_EnvSource(model, environ))
        if path is not None:
            sources.append(_file_source(model, path))
        return model(_build_sources=(tuple(sources), values))  # type: ignore[call-arg]  # pydantic-settings' API
    except SourceError as exc:  # a variable holding a section or a list that is not valid JSON
        raise SettingsError(_source_error(model, environ, str(exc))) from None
    except ValidationError as exc:
        raise SettingsError(
            _describe(exc, model=model, values=values, from_command_line=from_command_line, environ=environ, path=path)
        ) from None


def _given(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, raw in values.items():
        value = _given(raw) if isinstance(raw, Mapping) else raw
        if value is not None and value != {}:
            out[key] = value
    return out


def _source_error(model: type[BaseModel], environ: Mapping[str, str], text: str) -> str:
    for item in options(model):
        for name in item.env:
            section = name.rsplit("__", 1)[0]
            if f'"{item.path[0]}"' in text and (environ.get(name) or environ.get(section)):
                return f"{section if environ.get(section) else name}: not valid JSON"
    return " ".join(text.split())


def _describe(
    exc: ValidationError,
    *,
    model: type[BaseModel],
    values: Mapping[str, Any],
    from_command_line: bool,
    environ: Mapping[str, str],
    path: Path | None,
) -> str:
    errors = exc.errors(include_url=False)
    first = errors[0]
    message = str(first["msg"]).removeprefix("Value error, ")
    loc = [str(part) for part in first["loc"]]
    cause = first.get("ctx", {}).get("error")
    if first["type"] == "extra_forbidden":
        message = "unknown option"
    known = options(model)
    aliases = {name: item.path[-1] for item in known for name in item.env}
    loc = [aliases.get(part, part) for part in loc]
    item = max((o for o in known if tuple(loc[: len(o.path)]) == o.path), key=lambda o: len(o.path), default=None)
    where = _where(loc, item=item, values=values, from_command_line=from_command_line, environ=environ, path=path)
    got = first.get("input")
    # The value is echoed only for a plain option (never a secret, nor inside a list whose entries may hold one).
    plain = item is not None and tuple(loc) == item.path and not item.secret and not isinstance(cause, Exception)
    shown = f" (got {got!r})" if plain and isinstance(got, str | int | float) else ""
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {message}{shown}{more}" if where else f"{message}{more}"


def _dotted(loc: Sequence[str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if part.isdigit() else (f".{part}" if text else part)
    return text


def _where(
    loc: list[str],
    *,
    item: Option | None,
    values: Mapping[str, Any],
    from_command_line: bool,
    environ: Mapping[str, str],
    path: Path | None,
) -> str:
    if not loc:
        return ""
    if item is None:
        return _dotted(loc)
    node: Any = values
    for part in item.path:
        node = node.get(part) if isinstance(node, Mapping) else None
    if node is not None:
        return item.flag if from_command_line and item.flag else _dotted(loc)
    for name in item.env:
        if environ.get(name):
            return name
        section = name.rsplit("__", 1)[0]
        if section != name and environ.get(section):
            return section
    return f"{path}: {_dotted(loc)}" if path is not None else _dotted(loc)


# ------------------------------------------------------------------------------------------------ adapters
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
