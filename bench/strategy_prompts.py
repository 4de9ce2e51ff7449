"""Prompt sizes of the extraction strategies on a feed, offline: what each strategy's first request sends.

    python bench/strategy_prompts.py docs/runs/news-dev-s30/feed.xml [--prompt extract-v2]

For every article: the one-call prompt (system + user), the hybrid prompt (the rules' candidates and the excerpts
around them instead of the whole article), the similar strategy's prompt (one-call with the two most similar
development articles as examples) and the enumerate strategy's listing request (its fills each send about a
one-call prompt more). Sizes in characters and in estimated tokens (characters / 4; the server's own count is in
each record's provenance). No model is called: the hybrid candidates come from the offline rules.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics

from extractor.baseline import BaselineBackend
from extractor.evaluation.fewshot import similar_examples
from extractor.llm.examples import render_examples
from extractor.feeds import load_feed
from extractor.llm.prompts import fit_budget, load_prompt, render
from extractor.llm.steps import enumerate_messages, hybrid_messages
from extractor.pipeline.strategies import excerpts


def size(messages: list[dict[str, str]]) -> int:
    return sum(len(m["content"]) for m in messages)


def user_size(messages: list[dict[str, str]]) -> int:
    """The part after the static system prompt: what a server that caches the prompt prefix still computes."""
    return sum(len(m["content"]) for m in messages if m["role"] != "system")


async def main(feed: str, prompt_name: str, max_chars: int) -> None:
    template = load_prompt(prompt_name)
    rules = BaselineBackend()
    pool = similar_examples()
    one, hybrid, similar, listing, candidates = [], [], [], [], 0
    one_user, hybrid_user, similar_user, listing_user = [], [], [], []
    for article in load_feed(feed).articles:
        text, _ = fit_budget(article.text, max_chars)
        found = (await rules.extract(article)).incidents
        candidates += len(found)
        for sizes, users, messages in (
            (one, one_user, render(template, article, text)),
            (hybrid, hybrid_user, hybrid_messages(template, article, excerpts(text, found), found)),
            (similar, similar_user, render(template, article, text, render_examples(pool.for_article(article)))),
            (listing, listing_user, enumerate_messages(article, text)),
        ):
            sizes.append(size(messages))
            users.append(user_size(messages))
    n = len(one)
    print(f"{n} articles of {feed}, prompt {prompt_name}; {candidates} rule candidates")
    print("| request | mean chars | median chars | est. tokens | vs one-call | after the system prompt: mean chars "
          "| vs one-call |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    rows = (("one-call", one, one_user), ("hybrid", hybrid, hybrid_user), ("similar", similar, similar_user),
            ("enumerate: the listing step", listing, listing_user))  # fmt: skip
    for name, sizes, users in rows:
        mean = sum(sizes) / n
        print(f"| {name} | {mean:,.0f} | {statistics.median(sizes):,.0f} | {mean / 4:,.0f} | "
              f"{sum(sizes) / sum(one):.2f} | {sum(users) / n:,.0f} | {sum(users) / sum(one_user):.2f} |")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("feed")
    parser.add_argument("--prompt", default="extract-v2")
    parser.add_argument("--max-chars", type=int, default=24000)
    args = parser.parse_args()
    asyncio.run(main(args.feed, args.prompt, args.max_chars))
