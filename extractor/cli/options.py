"""Options shared by several commands, written once: the settings options (a decorator adds them to a
command and hands the command one `SettingOptions`), and the evaluation options."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ..llm.prompts import DEFAULT_PROMPT

if TYPE_CHECKING:
    from ..runner.setup import Setup

# The settings options of every command that extracts: name -> (annotation, default). None = not given.
SETTING_PARAMS: dict[str, tuple[Any, Any]] = {
    "model": (Annotated[str | None, typer.Option(help="Model name; 'baseline' for the offline rule-based extractor.")], None),
    "base_url": (
        Annotated[Optional[list[str]], typer.Option(metavar="URL", help="OpenAI-compatible endpoint, e.g. "
                  "http://127.0.0.1:8000/v1; give it again for more replicas of the model, each URL#concurrency=N (default 4).")],
        None,
    ),
    "endpoint_name": (
        Annotated[str | None, typer.Option(help="Name of the replica set in the cache identity (default: its sorted "
                  "URLs), so adding or removing a replica keeps the cache.")],
        None,
    ),
    "structured_output": (
        Annotated[str | None, typer.Option(help="auto (default), json_schema, json_object_schema, json_object or prompt.")],
        None,
    ),
    "strategy": (
        Annotated[str | None, typer.Option(help="How the LLM is asked: one-call (default: one request per article), "
                  "enumerate (list the attacks, then one request per attack), hybrid (the rules propose, the "
                  "model confirms, corrects or adds), similar (one-call with few-shot examples: the labelled "
                  "development articles most like this one), enumerate+similar or hybrid+similar.")],
        None,
    ),
    "prompt": (Annotated[str, typer.Option(help="Prompt name in prompts/ (or a path to a .md file).")], DEFAULT_PROMPT),
    "concurrency": (Annotated[int | None, typer.Option(min=1, help="Articles in progress at once (default 4, at most 256).")], None),
    "rpm": (Annotated[int | None, typer.Option(min=1, help="Client-side limit: requests per minute.")], None),
    "tpm": (Annotated[int | None, typer.Option(min=1, help="Client-side limit: estimated tokens per minute.")], None),
    "temperature": (Annotated[float | None, typer.Option(help="Sampling temperature (default 0).")], None),
    "max_tokens": (Annotated[int | None, typer.Option(min=1, help="Completion token cap per request (default 2048).")], None),
    "max_input_chars": (
        Annotated[int | None, typer.Option(min=500, help="Window size in characters (default 24000); longer articles are split into overlapping windows.")],
        None,
    ),
    "max_windows": (
        Annotated[int | None, typer.Option(min=1, help="Windows read per long article at most (default 8); the rest is reported unread.")],
        None,
    ),
    "timeout": (Annotated[float | None, typer.Option(min=1, help="Seconds per request (default 120).")], None),
    "article_budget": (
        Annotated[float | None, typer.Option(min=1, help="Seconds one article may take, 429 waits included (default 1800).")],
        None,
    ),
    "prefilter": (
        Annotated[
            bool | None,
            typer.Option("--prefilter/--no-prefilter", help="Send only articles the cheap relevance check keeps; "
                         "the others are written as skipped, with the reason."),
        ],
        None,
    ),
    "cache_dir": (
        Annotated[Path | None, typer.Option(help="Cache directory (default $EXTRACT_CACHE_DIR or ~/.cache).")],
        None,
    ),
    "no_cache": (Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")], False),
    "refresh": (Annotated[bool, typer.Option("--refresh", help="Ignore cached results but store the new ones.")], False),
    "config": (
        Annotated[str | None, typer.Option(help="TOML config file (default $EXTRACT_CONFIG or ./extract.toml).")],
        None,
    ),
}  # fmt: skip
# The options that are settings (typed and validated in `settings.py`); the others choose files and caching.
SETTING_NAMES = ("model", "base_url", "endpoint_name", "structured_output", "strategy", "concurrency", "rpm", "tpm", "temperature", "max_tokens",
                 "max_input_chars", "max_windows", "timeout", "article_budget", "prefilter")  # fmt: skip


class SettingOptions:
    """The shared options as one command received them."""

    def __init__(self, **values: Any) -> None:
        self.values = values
        self.prompt: str = values["prompt"]
        self.cache_dir: Path | None = values["cache_dir"]
        self.no_cache: bool = values["no_cache"]
        self.refresh: bool = values["refresh"]
        self.config: str | None = values["config"]

    def settings(self) -> dict[str, Any]:
        """The values that are settings, None where the option was not given."""
        values = {name: self.values[name] for name in SETTING_NAMES}
        if not values["base_url"]:  # --base-url not given (typer gives an empty list)
            values["base_url"] = None
        return values

    def setup(self) -> Setup:
        """The options as the library run's configuration."""
        from ..runner.setup import Setup

        return Setup(settings=self.settings(), config=self.config, prompt=self.prompt, cache_dir=self.cache_dir,
                     no_cache=self.no_cache, refresh=self.refresh)  # fmt: skip


def judge_options(model: str | None, base_url: str | None, config: str | None) -> SettingOptions:
    """The settings of a command that asks an LLM only a side question (`extract events --adjudicate`): its own
    --model, --base-url and --config, every other setting option at its default (so its help lists only those)."""
    values = {name: default for name, (_, default) in SETTING_PARAMS.items()}
    return SettingOptions(**{**values, "model": model, "base_url": base_url, "config": config})


def with_setting_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the shared settings options to `command`, which receives them as `llm: SettingOptions`."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "llm"]
    shared = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        for name, (annotation, default) in SETTING_PARAMS.items()
    ]

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        llm = SettingOptions(**{name: kwargs.pop(name) for name in SETTING_PARAMS})
        return command(**kwargs, llm=llm)

    parameters = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own] + shared
    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    del wrapper.__wrapped__  # typer must read the new signature, not the command's
    return wrapper


Golden = Annotated[
    str, typer.Option(help="Golden set: seed, news-dev, news-test, adversarial, or a labels .jsonl file.")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]
FailUnder = Annotated[float | None, typer.Option(help="Exit 1 when the all-incidents F1 is below this (0-1), for CI.")]
# store.runs.DEFAULT_RUNS_DIR (tests/test_cli_startup.py checks they agree): defined here too, so that building the
# commands for `extract --help` does not import the run store and with it pydantic.
DEFAULT_RUNS_DIR = Path("runs")
RunsDir = Annotated[Path, typer.Option(help="Folder of stored evaluation runs.")]
RunName = Annotated[Optional[str], typer.Option(help="Run id (default: time-model-prompt).")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
Force = Annotated[
    bool,
    typer.Option("--force", help="Replace -o even if it is a database or an existing file of another kind."),
]
