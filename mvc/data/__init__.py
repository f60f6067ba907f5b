"""Corpus adapters and manifests: every corpus, real or embedded, becomes one manifest schema."""
