"""Getting the real corpora and checkpoints: a registry of sources, resumable verified
downloads, atomic unpacking into resources/{corpus}/ (docs/fetching.md)."""
