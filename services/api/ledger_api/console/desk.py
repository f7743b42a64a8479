"""The console's desk pages, as ``mount`` registers them: the deadline board, losses,
and administration (tokens and the access log)."""

from __future__ import annotations

from ledger_api.console import admin_page, board_page, losses_page

HANDLERS = (
    board_page.board, board_page.board_rows, board_page.board_stream, losses_page.losses,
    admin_page.admin, admin_page.create, admin_page.revoke, admin_page.access_log,
)  # fmt: skip
