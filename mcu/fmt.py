"""Kept for the pages that import it: the Russian formats live in core/fmt.py (the ETL's messages use them too)."""
from core.fmt import *  # noqa: F401,F403 — every name, so one added there is found here as well
