"""The read side's pure core: facts of an event, an incident's status, losses, deadlines and
the models folded from them. No I/O."""
