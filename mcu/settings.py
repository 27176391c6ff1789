"""Kept for the pages and tests that import it: the settings live in core/settings.py (the ETL reads them too)."""
from core.settings import *  # noqa: F401,F403 — every name, so one added there is found here as well
