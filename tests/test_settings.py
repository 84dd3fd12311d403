"""cph.settings: one declaration → loading with precedence, one-line errors, typer and pytest options, tables."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest
import typer
from pydantic import BaseModel, SecretStr
from pydantic_settings import SettingsConfigDict
from typer.testing import CliRunner

from cph.settings import (
    CphSettings,
    SettingsError,
    add_pytest_options,
    load,
    markdown_table,
    option,
    options,
    pytest_values,
    typer_options,
)


class Section(BaseModel):
    model_config = {"frozen": True, "extra": "forbid"}

    rate: float = option(0.0, ge=0, le=1, flag="rate", help="A rate.")


class Toy(CphSettings):
    """A small model using every kind of option the adapters know."""

    model_config = SettingsConfigDict(env_prefix="TOY_")
    config_env: ClassVar[str | None] = "TOY_CONFIG"

    size: int = option(3, ge=1, help="How many.")
    name: str = option("a", env=("TOY_NAME", "LEGACY_NAME"), help="A name with a fallback variable.")
    mode: Literal["x", "y"] = option("x", help="A choice.")
    verbose: bool = option(False, help="A switch.")
    tags: tuple[str, ...] = option((), flag="tag", help="Repeatable.")
    password: SecretStr | None = option(None, cli=False, help="A secret.")
    section: Section = option(Section(), section="sec", help="A section.")


def test_declaration_gives_names_flags_and_variables() -> None:
    found = {item.key: (item.flag, item.env) for item in options(Toy)}
    assert found["size"] == ("--size", ("TOY_SIZE",))
    assert found["name"] == ("--name", ("TOY_NAME", "LEGACY_NAME"))
    assert found["tags"] == ("--tag", ("TOY_TAGS",))
    assert found["password"] == (None, ("TOY_PASSWORD",))
    assert found["section.rate"] == ("--sec-rate", ("TOY_SECTION__RATE",))


def test_precedence_default_file_environment_command_line(tmp_path: Path) -> None:
    file = tmp_path / "toy.toml"
    file.write_text('size = 5\nname = "file"\nmode = "y"\n[section]\nrate = 0.5\n', encoding="utf-8")
    env = {"TOY_CONFIG": str(file), "TOY_NAME": "env", "TOY_SECTION__RATE": "0.25"}
    toy = load(Toy, given={"name": "cli", "size": None}, env=env)
    assert toy.verbose is False  # default
    assert (toy.size, toy.mode) == (5, "y")  # file beats default
    assert toy.section.rate == 0.25  # environment beats file
    assert toy.name == "cli"  # command line beats environment; None = not given
    assert load(Toy, env={"LEGACY_NAME": "old"}).name == "old"  # a fallback variable
    assert load(Toy, env={"LEGACY_NAME": "old", "TOY_NAME": "new"}).name == "new"  # the first variable wins


@pytest.mark.parametrize(
    ("given", "env", "from_command_line", "message"),
    [
        (
            {"size": "x"},
            {},
            True,
            "--size: Input should be a valid integer, unable to parse string as an integer (got 'x')",
        ),
        (
            {"size": "x"},
            {},
            False,
            "size: Input should be a valid integer, unable to parse string as an integer (got 'x')",
        ),
        ({}, {"TOY_SIZE": "0"}, True, "TOY_SIZE: Input should be greater than or equal to 1 (got '0')"),
        ({"section": {"rate": "2"}}, {}, True, "--sec-rate: Input should be less than or equal to 1 (got '2')"),
        ({}, {"TOY_SECTION": "{"}, True, "TOY_SECTION: not valid JSON"),
        ({"colour": "red"}, {}, False, "colour: unknown option"),
        ({"size": "x", "mode": "z"}, {}, False, "size: Input should be a valid integer"),
    ],
)
def test_a_bad_value_is_one_line_naming_its_source(
    given: dict[str, Any], env: dict[str, str], from_command_line: bool, message: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load(Toy, given=given, env=env, from_command_line=from_command_line)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_a_bad_file_value_names_the_file(tmp_path: Path) -> None:
    file = tmp_path / "toy.json"
    file.write_text('{"mode": "z", "password": 12345}', encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load(Toy, file=file, env={})
    assert str(caught.value).startswith(f"{file}: mode: Input should be 'x' or 'y' (got 'z') (and 1 more)")


def test_a_secret_value_is_never_echoed() -> None:
    with pytest.raises(SettingsError) as caught:
        load(Toy, env={}, given={"password": 987654})
    assert str(caught.value) == "password: Input should be a valid string"
    toy = load(Toy, env={"TOY_PASSWORD": "hunter2"})
    assert "hunter2" not in repr(toy) + str(toy)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("toy.toml", "size = ", "is not valid TOML"),
        ("toy.yaml", "- a\n", "must hold a mapping"),
        ("toy.json", "{", "is not valid JSON"),
        ("toy.ini", "size=1", "must end in .toml, .yaml, .yml or .json"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load(Toy, file=file, env={})
    with pytest.raises(SettingsError, match="cannot read config file"):
        load(Toy, file=tmp_path / "missing.toml", env={})


def test_typer_options_come_from_the_declaration() -> None:
    seen: list[Toy] = []
    app = typer.Typer()

    @app.command()
    @typer_options(Toy)
    def run(settings: dict[str, Any], extra: int = 0) -> None:
        seen.append(load(Toy, given=settings, from_command_line=True, env={}))
        assert extra == 7

    runner = CliRunner()
    result = runner.invoke(
        app, ["--size", "4", "--tag", "a", "--tag", "b", "--verbose", "--sec-rate", "0.1", "--extra", "7"]
    )
    assert result.exit_code == 0, result.output
    assert (seen[0].size, seen[0].tags, seen[0].verbose, seen[0].section.rate) == (4, ("a", "b"), True, 0.1)
    assert seen[0].name == "a"  # not given: the default, not a typer default
    helped = runner.invoke(app, ["--help"], env={"COLUMNS": "300"})
    text = " ".join(helped.output.split())
    assert "How many. (env: TOY_SIZE)" in text
    assert "--password" not in text


def test_pytest_options_come_from_the_declaration() -> None:
    parser = argparse.ArgumentParser()  # pytest's option groups take argparse's arguments under another name
    add_pytest_options(type("Group", (), {"addoption": staticmethod(parser.add_argument)})(), Toy)
    parsed = parser.parse_args(["--size", "2", "--tag", "a", "--verbose"])
    given = pytest_values(Toy, lambda dest: getattr(parsed, dest))
    assert given == {"size": "2", "tags": ["a"], "verbose": True}


def test_markdown_table_has_a_row_per_option() -> None:
    table = markdown_table(Toy)
    assert "| `section.rate` | `--sec-rate` | `TOY_SECTION__RATE` | 0.0 | A rate. |" in table
    assert "| `password` | — | `TOY_PASSWORD` | — | A secret. |" in table
    assert table.count("\n") == 2 + len(options(Toy))
