"""The names a host program imports, and the promise that importing them stays cheap."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import clawdbot_litellm

PACKAGE_DIR = Path(clawdbot_litellm.__file__).resolve().parent


@pytest.mark.parametrize("name", clawdbot_litellm.__all__)
def test_every_exported_name_resolves(name: str) -> None:
    value = getattr(clawdbot_litellm, name)
    assert value is not None
    if name != "__version__":
        assert value.__name__ == name
        assert value.__module__.startswith("clawdbot_litellm.")


def _type_checking_imports() -> dict[str, str]:
    """``{name: module}`` of the imports under ``if TYPE_CHECKING:`` in ``__init__.py``."""
    tree = ast.parse((PACKAGE_DIR / "__init__.py").read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    )
    return {
        alias.name: (node.module or "")
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def test_type_checking_imports_match_the_table_of_public_names() -> None:
    table = clawdbot_litellm._EXPORTS
    assert _type_checking_imports() == table
    assert sorted([*table, "__version__"]) == clawdbot_litellm.__all__


def test_all_is_sorted_unique_and_what_dir_shows() -> None:
    names = clawdbot_litellm.__all__
    assert names == sorted(set(names))
    assert dir(clawdbot_litellm) == names


def test_core_names_are_exported() -> None:
    for name in (
        "load_config",
        "config_path",
        "ResolvedConfig",
        "Provider",
        "Source",
        "ConfigWarning",
        "ModelDefinition",
        "ModelRef",
        "ModelTarget",
        "parse_ref",
        "ClawdbotLiteLLMError",
        "ConfigError",
        "MissingEnvVarError",
        "UnknownModelError",
        "InvalidModelRefError",
        "ImplicitProvider",
        "from_environment",
    ):
        assert name in clawdbot_litellm.__all__


def test_every_exported_error_shares_the_base_class() -> None:
    base = clawdbot_litellm.ClawdbotLiteLLMError
    for name in clawdbot_litellm.__all__:
        if name.endswith("Error"):
            assert issubclass(getattr(clawdbot_litellm, name), base), name


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'not_a_thing'"):
        _ = clawdbot_litellm.not_a_thing  # type: ignore[attr-defined]


def test_version_is_the_installed_distribution_version() -> None:
    """``__version__`` agrees with what pip recorded for the installed distribution."""
    from importlib.metadata import version

    assert clawdbot_litellm.__version__ == version("clawdbot-litellm")
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?", clawdbot_litellm.__version__)


def test_package_is_typed() -> None:
    assert (PACKAGE_DIR / "py.typed").is_file()


LOAD_WITHOUT_OPENAI = """
import json, sys
import clawdbot_litellm
after_import = sorted(m for m in sys.modules if m.split(".")[0] in ("openai", "httpx2"))
from clawdbot_litellm import load_config, parse_ref, ConfigError
config = load_config(sys.argv[1], environ={"LITELLM_API_KEY": "sk-x"})
target = config.resolve()
parse_ref("litellm/gpt-4")
after_load = sorted(m for m in sys.modules if m.split(".")[0] in ("openai", "httpx2"))
print(json.dumps({"import": after_import, "load": after_load, "ref": str(target.ref)}))
"""


def test_import_and_load_config_do_not_import_openai(tmp_path: Path) -> None:
    config = tmp_path / "clawdbot.json"
    config.write_text(
        '{ models: { providers: { litellm: { baseUrl: "http://localhost:4000", '
        'models: [{ id: "m", name: "M" }] } } } }'
    )
    result = subprocess.run(
        [sys.executable, "-c", LOAD_WITHOUT_OPENAI, str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report == {"import": [], "load": [], "ref": "litellm/m"}
