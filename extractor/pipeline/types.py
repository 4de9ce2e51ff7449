"""Attack types are grounded like figures: a suicide attack must be one the article says was.

Small models label most bombings and shootings `suicide_attack` (and set `suicide`). The codebook codes a suicide
attack only when the attacker meant to die in it ("suicide bomber", "blew himself up", "explosive vest"). When
neither the evidence, the summary, nor the article's title says so, the type is re-derived from the evidence with
the baseline's keyword families (bombing, shelling, armed assault...; `unknown` when none applies), `suicide` is
set to false, and the correction is recorded on the incident and counted like a figure correction.
"""

from __future__ import annotations

from ..codebook import words
from ..models import Incident


def _said_suicide(incident: Incident, title: str, text: str) -> bool:
    parts = [*incident.evidence, incident.summary, title]
    return any(words.SUICIDE.search(p) for p in parts) or bool(words.SUICIDE.search(text))


def check_types(incidents: list[Incident], text: str, title: str = "") -> tuple[list[Incident], list[list[str]]]:
    """The incidents with unsupported suicide labels replaced, and the corrections made to each."""
    checked, corrections = [], []
    for incident in incidents:
        fixes: list[str] = []
        update: dict[str, object] = {}
        if (incident.attack_type == "suicide_attack" or incident.suicide) and not _said_suicide(incident, title, text):
            joined = " ".join(incident.evidence) or incident.summary
            if incident.attack_type == "suicide_attack":
                derived = next((k for k, p in words.ATTACK_TYPES if p.search(joined)), "unknown")
                update["attack_type"] = derived
                fixes.append(f"attack_type suicide_attack is not supported by the article; set to {derived}")
            if incident.suicide:
                update["suicide"] = False
                fixes.append("suicide true is not supported by the article; set to false")
        checked.append(incident.model_copy(update=update) if update else incident)
        corrections.append(fixes)
    return checked, corrections
