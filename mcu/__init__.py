"""Shared, Streamlit-free helpers of the app: settings, the query runner, formatting, exports."""
