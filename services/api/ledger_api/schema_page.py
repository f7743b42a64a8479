"""``/schema``: the API's OpenAPI document and its Swagger UI, which works with no internet
access: the UI's script and style sheet come from the ``swagger-ui-py`` package (Swagger
UI 5's own dist files, which read OpenAPI 3.1; Apache-2.0 licence, its ``LICENSE`` served
beside them) and are served by the ledger under ``/schema/assets/``; the page's icon is
the console's."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from litestar import Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

PATH = "/schema"
ASSETS = f"{PATH}/assets"
_FAVICON = "<link rel='icon' type='image/svg+xml' href='/console/static/icon.svg'>"


def _dist() -> Path:
    """The directory of Swagger UI's dist files inside ``swagger_ui``."""
    return Path(str(resources.files("swagger_ui").joinpath("static")))


def openapi_config() -> OpenAPIConfig:
    ui = SwaggerRenderPlugin(
        js_url=f"{ASSETS}/swagger-ui-bundle.js",
        css_url=f"{ASSETS}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS}/swagger-ui-standalone-preset.js",
        path="/",
        favicon=_FAVICON,
    )
    return OpenAPIConfig(title="Incident Ledger", version="1", path=PATH, render_plugins=[ui])


def assets() -> Router:
    return create_static_files_router(
        ASSETS,
        directories=[_dist()],
        include_in_schema=False,
        cache_control=None,
        name="schema-assets",
    )
