"""Silver: the shared transforms from bronze rows to the common complaint record (see schema.py)."""
