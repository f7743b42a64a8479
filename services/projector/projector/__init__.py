"""The projector: read models folded from the event log, and the deadline engine."""
