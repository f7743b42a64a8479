"""The console: server-rendered pages for auditors, clerks and admins at ``/console/``,
signed in with an API token exchanged for a session (``ledger_api.session_store``).

Each page is a module of handlers rendering one template of ``templates/`` through
:func:`ledger_api.console.rendering.page`; ``mount.py`` lists them all. Every asset is in
``static/`` (and the Chinese font, served from its package): nothing from elsewhere."""
