"""String utilities shared by every stage and owned by none: normalising, phrase matching, sentences, numbers, dates."""
