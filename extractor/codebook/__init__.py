"""What counts as an incident (golden/CODEBOOK.md as code), neutral between predictors and used by all of them:
the act word families and attack types (words.py), the relevance rules (relevance.py), which attack types can
describe one attack (attack_types.py) and which sentence states a casualty figure (figures.py). The baseline, the
pipeline's post-checks, event merging and the scorer's alternatives read these rules from here."""
