"""Statistics on per-utterance scores: bootstrap intervals, paired tests, Holm correction."""
