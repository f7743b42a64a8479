"""Following the ledger: the fold loop, parallel rebuilds, the read models' tables, deadline
alerts, policy pack watching."""
