"""Bronze: raw, immutable, append-only copies of every source with their source metadata."""
