"""Synthesis: each system's audio for a test set, one `{utt_id}.wav` per manifest row."""
