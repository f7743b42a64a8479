"""``python -m ledger_verify``: the verifier without installing anything."""

from ledger_verify.cli import main

raise SystemExit(main())
