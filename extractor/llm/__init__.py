"""The OpenAI-compatible client (openai lives here alone): structured-output modes, retries, client-side limits,
re-asks, versioned prompts and the JSON schema."""

from .client import ModeMemory, OpenAICompatBackend
from .examples import Example, ExampleSource, render_examples
from .prompts import DEFAULT_PROMPT, PromptTemplate, list_prompts, load_prompt
from .schema import extraction_schema, schema_hash

__all__ = [
    "DEFAULT_PROMPT",
    "Example",
    "ExampleSource",
    "ModeMemory",
    "OpenAICompatBackend",
    "PromptTemplate",
    "extraction_schema",
    "list_prompts",
    "load_prompt",
    "render_examples",
    "schema_hash",
]
