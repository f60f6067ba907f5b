"""Baseline TTS systems (StyleTTS2, Mamba-attention hybrid, VITS) behind the system interface."""
