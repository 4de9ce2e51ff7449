"""The OpenAI-compatible client (openai lives here alone): structured-output modes, retries, client-side limits,
re-asks, versioned prompts and the JSON schema."""

from .. import lazy_exports

_EXPORTS = {
    "ModeMemory": "client",
    "OpenAICompatBackend": "client",
    "Example": "examples",
    "ExampleSource": "examples",
    "render_examples": "examples",
    "DEFAULT_PROMPT": "prompts",
    "PromptTemplate": "prompts",
    "list_prompts": "prompts",
    "load_prompt": "prompts",
    "extraction_schema": "schema",
    "schema_hash": "schema",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
