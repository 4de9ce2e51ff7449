"""The pre-filter: articles the cheap relevance check rules out are never sent to the model.

The rule is the codebook's (`codebook.relevance.prefilter_reason`), tuned for recall on the development
splits; a skipped article gets a record with status 'skipped' and the reason (`article.skipped_record`), and is
counted.
"""

from __future__ import annotations

from ..codebook.relevance import prefilter_reason
from ..models import Article


def skip_reason(article: Article) -> str | None:
    """Why `article` need not go to the model, or None to send it."""
    return prefilter_reason(article.title, article.text)
