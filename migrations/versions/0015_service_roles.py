"""A role per service, each with what that service writes and nothing more.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

The roles cannot log in here: a deployment gives each a password (``ALTER ROLE ledger_ingest
LOGIN PASSWORD …``; ``ledger up`` does it for the embedded server) and each service its own
URL. None owns ``events``, ``checkpoints``, ``merkle_tiles`` or ``access_log``, so none can
ALTER, DROP or disable the triggers of any of them (only an owner can); the triggers refuse
the rest (``ENABLE ALWAYS``, migrations 0001, 0007, 0009, 0010), and what a role is not
granted stops at "permission denied". Migrations run as the owner.

- ``ledger_ingest``: appends events and moves the Merkle log and its stream offset. Its
  UPDATE, DELETE and TRUNCATE on ``events`` are granted only to meet the triggers, which
  name the rule (as 0006 did for ``ledger_service``).
- ``ledger_projector``: reads the ledger; owns its read models (it creates each rebuild's
  generation of tables and repoints the views), its checkpoints and alerts.
- ``ledger_signer``: reads the ledger; appends checkpoints.
- ``ledger_api``: reads the ledger; API tokens (admins manage them over HTTP) and the
  access log's appends.
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ROLES = ("ledger_ingest", "ledger_projector", "ledger_signer", "ledger_api")

# Roles are cluster-wide while migrations run per database, and test databases migrate in
# parallel: create each once, and take another migration's creating it first in stride.
_CREATE = """
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
    CREATE ROLE {role} NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END
$$
"""

# Read models made before this revision by whoever ran the projector: now the projector's,
# so that it may drop an old generation and repoint the views.
_PROJECTOR_OWNS = """
DO $$
DECLARE
  found record;
BEGIN
  FOR found IN
    SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v')
      AND (c.relname ~ '^rm_[a-z_]+_g[0-9]+$'
           OR c.relname IN ('incident_status', 'deadlines', 'losses', 'claims',
                            'organisations', 'sites', 'deadline_alerts'))
  LOOP
    EXECUTE format('ALTER %s %I OWNER TO ledger_projector',
                   CASE found.relkind WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END, found.relname);
  END LOOP;
END
$$
"""

# Memberships are cluster-wide too: granted once, whichever database migrates first.
_MEMBER = """
DO $$
BEGIN
  IF NOT pg_has_role('{member}', '{role}', 'MEMBER') THEN
    GRANT {role} TO {member};
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END
$$
"""

# A migrating owner that is not a superuser must be the projector's member to hand it the
# read models, and ``ledger project rebuild`` run as the owner acts as the projector.
_OWNER_ACTS_AS_PROJECTOR = """
DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT ledger_projector TO %I', current_user);
  END IF;
END
$$
"""

_GRANTS = [
    "GRANT SELECT ON alembic_version TO ledger_reader",
    *(_MEMBER.format(role="ledger_reader", member=m) for m in ROLES if m != "ledger_ingest"),
    # The ingest: its alembic check at start, and the write path of every batch.
    "GRANT SELECT ON alembic_version TO ledger_ingest",
    "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON events TO ledger_ingest",
    "GRANT SELECT, INSERT, UPDATE ON ingest_offsets TO ledger_ingest",
    "GRANT SELECT, UPDATE ON merkle_head TO ledger_ingest",
    "GRANT SELECT, INSERT, UPDATE ON merkle_tiles TO ledger_ingest",  # tiles only grow
    # The projector.
    "GRANT SELECT, INSERT, UPDATE, DELETE ON projection_state, projection_checkpoints "
    "TO ledger_projector",
    "GRANT SELECT, INSERT ON policy_packs TO ledger_projector",
    "GRANT CREATE ON SCHEMA public TO ledger_projector",
    _OWNER_ACTS_AS_PROJECTOR,
    _PROJECTOR_OWNS,
    # The signer.
    "GRANT INSERT ON checkpoints TO ledger_signer",
    # The API.
    "GRANT SELECT, INSERT, UPDATE ON api_tokens TO ledger_api",
    "GRANT SELECT, INSERT ON access_log TO ledger_api",
]


def upgrade() -> None:
    for role in ROLES:
        op.execute(_CREATE.format(role=role))
    for statement in _GRANTS:
        op.execute(statement)


def downgrade() -> None:
    # The roles and their memberships stay (cluster-wide, other databases may use them);
    # read models stay the projector's, which the next projector run may need.
    for statement in reversed(_GRANTS):
        if statement.startswith("GRANT "):
            what, _, whom = statement.removeprefix("GRANT ").rpartition(" TO ")
            op.execute(f"REVOKE {what} FROM {whom}")
