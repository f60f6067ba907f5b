"""Baseline TTS systems (StyleTTS2, Mamba-attention hybrid, VITS) behind MVC-Bench's system interface."""
