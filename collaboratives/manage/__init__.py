"""Running a collaborative without the Django admin: its management pages (views.py)."""
