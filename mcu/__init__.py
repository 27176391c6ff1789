"""Shared, Streamlit-free helpers of the app: settings, the query runner, formatting, exports."""

from core import allocator  # noqa: F401  (before polars: how soon freed memory goes back)
