"""The ledger's pure core: an event's record and hash link, and the sequencer's decisions. No
I/O."""
