"""What the learning calendar and training plan tell the measures app.

The apps import one way (worksheets → pdsa → measures → collaboratives), so this package cannot call
the observation service; measures/learning.py subscribes to these signals and records the derived
observations. They are sent inside the writing service's transaction, so a refusal there (a team's
month already submitted) rolls the whole write back and reaches the person as a field error.
"""

from django.dispatch import Signal

# collaborative, month (first day): attendance of the collaborative's events in that month changed.
attendance_changed = Signal()
# team, on (a day): the team's staff, training requirements or completions changed; its figure for
# on's month is to be recorded as of that day.
training_changed = Signal()

# The codes of the measures recorded from these signals, in each collaborative.
ENGAGEMENT_CODE = "engagement"
TRAINING_CODE = "training-current"
