"""Build golden/news/feeds/wikievents.xml (RSS 2.0) from the WikiEvents dev and test splits.

Run:  python golden/news/make_wikievents.py /work/shared/data/wikievents [OUTPUT]
(OUTPUT defaults to feeds/wikievents.xml next to this script). Standard library only; deterministic.

Only `doc_id` and `text` of each JSON line are used (the corpus annotations are ignored). Items follow the
files' order: dev.jsonl, then test.jsonl. Each item has
- guid (isPermaLink="false"): "wikievents:DOC_ID", which the project's reader uses as the Article id;
- title: the document's first sentence when it has at most TITLE_MAX_WORDS words, else its first
  TITLE_WORDS words followed by "…" (many documents glue a headline to the first sentence without a space);
- no pubDate and no link: the corpus gives neither;
- description: the text, XML-escaped, as one HTML paragraph. The documents have no line or paragraph breaks,
  so one <p> is the faithful rendering; missing spaces at sentence boundaries ("attack.The") are kept as is.
The project's reader collapses runs of whitespace (one document holds a tab), so quotes must be taken from
the reader's Article.text, not from the raw JSON.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape

SPLITS = ("dev.jsonl", "test.jsonl")
TITLE_MAX_WORDS = 20
TITLE_WORDS = 12
CHANNEL_TITLE = "WikiEvents documents"
CHANNEL_LINK = "https://github.com/raspberryice/gen-arg"
CHANNEL_DESCRIPTION = (
    "The 40 English documents of the WikiEvents dev and test splits (Li, Ji and Han, NAACL 2021), "
    "one item per document, text only, for the incident-extractor news golden set. No publication dates."
)
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "feeds" / "wikievents.xml"
# A sentence ends at . ! or ? (optionally followed by a closing quote) followed by whitespace or the end,
# except after an abbreviation: a dotted initialism ("U.S."), a single letter, or a listed short word.
SENTENCE_END = re.compile(r"[.!?][\"”’']?(?=\s|$)")
ABBREVIATIONS = {
    "jan", "feb", "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec", "mr", "mrs", "ms", "dr", "st",
    "gov", "gen", "col", "lt", "sgt", "jr", "sr", "no", "vs", "kan", "mass", "inc", "co", "corp",
}


def read_documents(folder: Path) -> list[dict]:
    """(doc_id, text) of every document, dev then test, in file order."""
    documents = []
    for split in SPLITS:
        with (folder / split).open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                record = json.loads(line)
                if not record.get("doc_id") or not record.get("text", "").strip():
                    raise SystemExit(f"{split}:{number}: a document without doc_id or text")
                documents.append({"doc_id": record["doc_id"], "text": record["text"]})
    ids = [d["doc_id"] for d in documents]
    if len(ids) != len(set(ids)):
        raise SystemExit("duplicate doc_id in the corpus")
    return documents


def make_title(text: str) -> str:
    """First sentence if short, else the first TITLE_WORDS words and an ellipsis (whitespace normalised)."""
    flat = " ".join(text.split())
    first = flat
    for match in SENTENCE_END.finditer(flat):
        if match.group()[0] == "." and _is_abbreviation(flat[: match.start()]):
            continue
        first = flat[: match.end()]
        break
    words = first.split()
    if len(words) <= TITLE_MAX_WORDS:
        return first
    return " ".join(flat.split()[:TITLE_WORDS]) + " …"


def _is_abbreviation(before: str) -> bool:
    """True when the word just before a full stop is an abbreviation, so the stop ends no sentence."""
    word = re.split(r"[\s(\[“\"]", before)[-1]
    initialism = re.search(r"(?:[A-Z]\.)+[A-Z]$", word)  # "U.S", also glued to a headline: "DagestanU.S"
    return bool(initialism or re.fullmatch(r"[A-Za-z]", word)) or word.lower() in ABBREVIATIONS


def to_rss(documents: list[dict]) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0">',
        "<channel>",
        f"\t<title>{escape(CHANNEL_TITLE)}</title>",
        f"\t<link>{escape(CHANNEL_LINK)}</link>",
        f"\t<description>{escape(CHANNEL_DESCRIPTION)}</description>",
        "\t<language>en</language>",
    ]
    for doc in documents:
        paragraph = f"<p>{escape(doc['text'])}</p>"
        out += [
            "\t<item>",
            f"\t\t<title>{escape(make_title(doc['text']))}</title>",
            f'\t\t<guid isPermaLink="false">wikievents:{escape(doc["doc_id"])}</guid>',
            f"\t\t<description>{escape(paragraph)}</description>",
            "\t</item>",
        ]
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out)


def main(argv: list[str]) -> None:
    if not 1 <= len(argv) <= 2:
        raise SystemExit("usage: make_wikievents.py SOURCE_FOLDER [OUTPUT]")
    documents = read_documents(Path(argv[0]))
    target = Path(argv[1]) if len(argv) == 2 else DEFAULT_OUTPUT
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(to_rss(documents), encoding="utf-8")
    print(f"{target}: {len(documents)} items")


if __name__ == "__main__":
    main(sys.argv[1:])
