"""The projector: read models folded from the event log (``domain``), kept current
(``follow``) and rendered for readers (``views``); the deadline engine is
``domain.deadlines``."""
