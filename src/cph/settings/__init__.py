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

from cph.settings._adapters import add_pytest_options, help_text, markdown_table, pytest_values, typer_options
from cph.settings._declare import CphSettings, Option, option, options
from cph.settings._load import SettingsError, load

__all__ = [
    "CphSettings",
    "Option",
    "SettingsError",
    "add_pytest_options",
    "help_text",
    "load",
    "markdown_table",
    "option",
    "options",
    "pytest_values",
    "typer_options",
]
