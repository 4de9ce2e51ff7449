"""What requests cost: the price table (shipped `data/prices.json`, overridden by a `price_file` and a `prices`
table in the config), cost estimates from token usage, and the budget that stops a run at `--max-cost`.

Prices are USD per million tokens. A model is matched by the longest name prefix in the table
("gpt-4o-mini-2024-07-18" -> "gpt-4o-mini"); a model the table does not know has an unknown cost (None), never 0.
A local endpoint is priced at 0 by config: `prices = {"qwen2.5:7b" = {input = 0, output = 0}}`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from ..backend import supports
from ..errors import BudgetExceeded, ConfigError, validation_text
from ..models import Usage

PRICES_FILE = "prices.json"


class Price(BaseModel):
    """USD per million tokens; `cached_input` defaults to `input` (no discount for a cached prefix)."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0)
    batch_discount: float = Field(default=0.5, ge=0, le=1)

    def cost(self, usage: Usage, *, batch: bool = False) -> float:
        """USD for `usage`: uncached input, cached input and output at their prices, less the batch discount."""
        cached = min(usage.cached_tokens, usage.prompt_tokens)
        cached_price = self.input if self.cached_input is None else self.cached_input
        total = (usage.prompt_tokens - cached) * self.input + cached * cached_price
        total += usage.completion_tokens * self.output
        factor = 1 - self.batch_discount if batch else 1.0
        return total * factor / 1e6


def shipped_prices() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data", PRICES_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def price_table(prices: dict[str, Any] | None = None, price_file: str | None = None) -> dict[str, Price]:
    """The shipped table, then a price file's entries, then the config's `prices` (later ones win)."""
    raw = {k: v for k, v in shipped_prices().items() if not k.startswith("_")}
    if price_file:
        try:
            raw |= {k: v for k, v in json.loads(Path(price_file).read_text(encoding="utf-8")).items() if k[:1] != "_"}
        except OSError as exc:
            raise ConfigError(f"price file {price_file}: {exc.strerror or exc}") from None
        except (ValueError, AttributeError):
            raise ConfigError(f"price file {price_file} is not a JSON object of model -> prices") from None
    raw |= prices or {}
    table = {}
    for model, entry in raw.items():
        try:
            table[model] = Price.model_validate(entry)
        except ValidationError as exc:
            raise ConfigError(f"price of {model}: {validation_text(exc, limit=1, root='entry', more='')}") from None
    return table


def lookup(table: dict[str, Price], model: str) -> Price | None:
    """The price of `model`: an exact entry, else the longest entry that is a prefix of the name, else None."""
    if model in table:
        return table[model]
    matches = [name for name in table if model.startswith(name)]
    return table[max(matches, key=len)] if matches else None


def estimate_usage(prompt_chars: int, max_tokens: int) -> Usage:
    """The worst case of one request before sending it: prompt characters / 4 in, max_tokens out."""
    prompt = prompt_chars // 4
    return Usage(prompt_tokens=prompt, completion_tokens=max_tokens, total_tokens=prompt + max_tokens)


@dataclass
class Budget:
    """A cost cap shared by every request of a run: a request is refused (BudgetExceeded) when what was spent,
    plus the estimates of the requests in flight, plus its own estimate would exceed `cap_usd`."""

    cap_usd: float
    price: Price
    batch: bool = False
    spent_usd: float = 0.0
    requests: int = 0
    _pending: float = 0.0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def reserve(self, estimate: Usage) -> float:
        """Book the estimated cost of a request about to be sent; raises BudgetExceeded when it does not fit."""
        cost = self.price.cost(estimate, batch=self.batch)
        with self._lock:
            if self.spent_usd + self._pending + cost > self.cap_usd:
                raise BudgetExceeded(
                    f"cost cap ${self.cap_usd:.4f} reached: spent ${self.spent_usd:.4f} on {self.requests} "
                    f"request(s); the next would cost up to ${cost:.4f}",
                    spent_usd=self.spent_usd,
                )
            self._pending += cost
        return cost

    def settle(self, reserved: float, actual: Usage | None) -> None:
        """Replace a reservation by what the request really cost (the estimate when the server sent no usage)."""
        cost = self.price.cost(actual, batch=self.batch) if actual is not None else reserved
        with self._lock:
            self._pending -= reserved
            self.spent_usd += cost
            self.requests += 1


def attach_budget(backend: Any, cap_usd: float, *, batch: bool = False) -> Budget | None:
    """Give `backend` a --max-cost budget; a backend without requests (the baseline) costs nothing and gets none."""
    if not supports(backend, "budget"):
        return None
    if backend.price is None:
        raise ConfigError(
            f"--max-cost needs a price for model {backend.model}: add it to `prices` in the config "
            f'(e.g. prices = {{"{backend.model}" = {{input = 0.15, output = 0.6}}}})'
        )
    backend.budget = Budget(cap_usd, backend.price, batch=batch)
    return backend.budget
