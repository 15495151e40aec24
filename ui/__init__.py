"""Streamlit rendering helpers shared by app.py and pages/ (the only Streamlit code outside pages)."""
