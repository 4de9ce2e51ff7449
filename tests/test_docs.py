"""The README documents every command: each `extract` command and sub-command appears in its Commands table
with the command's own help text, and every command has help text."""

from __future__ import annotations

from pathlib import Path

import typer

from extractor.cli import app

README = Path(__file__).resolve().parent.parent / "README.md"


def commands(group: typer.Typer = app, prefix: str = "extract") -> list[tuple[str, str]]:
    """(command path, first line of its help) for every command, sub-commands included."""
    found = []
    for command in group.registered_commands:
        name = command.name or command.callback.__name__.replace("_", "-")
        found.append((f"{prefix} {name}", (command.help or command.callback.__doc__ or "").strip().splitlines()[0]))
    for sub in group.registered_groups:
        found += commands(sub.typer_instance, f"{prefix} {sub.name}")
    return found


def test_every_command_has_help():
    listed = commands()
    assert len(listed) >= 10
    assert all(help_text for _, help_text in listed), [name for name, h in listed if not h]


def test_every_command_is_in_the_readme_with_its_help():
    readme = README.read_text(encoding="utf-8")
    table = readme.split("## Commands", 1)[1].split("\n## ", 1)[0]
    for name, help_text in commands():
        assert f"| `{name}` | {help_text} |" in table, f"README Commands table lacks: | `{name}` | {help_text} |"
