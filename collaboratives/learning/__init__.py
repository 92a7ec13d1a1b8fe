"""The learning calendar, resource library, announcements and training plan of a collaborative (issue 25).

The models live in collaboratives/models.py; this package holds their services, selectors, forms, views
and the iCalendar feed. docs/learning.md describes the feature.
"""
