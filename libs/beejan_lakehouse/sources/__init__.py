"""Per-source knowledge: each channel's native format, its known variants, how it maps to silver."""
