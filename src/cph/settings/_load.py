"""Loading: defaults < config file < environment < given values, through pydantic-settings' own sources, and one
line naming the option for a bad value. Why we order the sources here rather than in each model: the file's path
and the environment are per call (a command's ``--config``, a test's mapping), and the error must say which source
held the bad value."""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    JsonConfigSettingsSource,
    PydanticBaseSettingsSource,
    TomlConfigSettingsSource,
    YamlConfigSettingsSource,
)
from pydantic_settings import SettingsError as SourceError

from cph.settings._declare import CphSettings, Option, options

S = TypeVar("S", bound=CphSettings)


class SettingsError(ValueError):
    """A setting is invalid; the one-line message names the option as the user gave it."""


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
