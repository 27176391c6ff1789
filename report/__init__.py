"""The weekly analytic note for the head: report.note.build(filters) → Note; report.documents.to_docx / to_pdf
→ file bytes; CLI: python -m report --week 2026-W47 --out записка.docx (report/__main__.py).

Nothing is imported here, so `python -m report` can quiet Streamlit's logging before the app's modules load."""
