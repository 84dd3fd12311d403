"""The declaration: a settings model's fields made with :func:`option`, and :func:`options`, the view every adapter
reads (flag, variables, help, shown default). Why fields carry the flag and help: so nothing else has to."""

from __future__ import annotations

import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import AliasChoices, BaseModel, Field, SecretStr
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


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
