"""Acoustic features for training: log-mel spectrograms, WORLD F0 and energy per mel frame,
computed once per utterance and cached by the content of its audio."""
