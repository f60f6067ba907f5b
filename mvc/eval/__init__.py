"""Per-utterance evaluation metrics behind one interface and one registry."""
