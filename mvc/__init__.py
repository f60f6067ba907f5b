"""MVC-Bench: reproduce MambaVoiceCloning and its baselines, from corpus to tables."""

__version__ = "0.1.0"
