"""The interactive API docs (`/schema/swagger`), served whole by the web process.

Litestar's Swagger page loads its scripts, styles and icon from public CDNs, so on a
machine without internet access (a clinic's closed network, this project's own build
machines) it stayed blank. Swagger UI's files come instead from the `flask-swagger-ui`
package, which bundles its release as plain files; only those files are used (nothing of
Flask is imported). With everything on our origin, the docs pages can have a content
security policy too.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

DOCS_PATH = "/schema"
ASSETS_PATH = f"{DOCS_PATH}/swagger-ui"
# Swagger UI needs its inline start-up script and inline styles, and draws icons as data:
# images; everything else comes from this origin (the OpenAPI document included).
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; frame-ancestors 'none'"
)


def swagger_ui_directory() -> Path:
    """Where the installed Swagger UI release lies; found without importing the package
    (its `__init__` imports Flask)."""
    spec = importlib.util.find_spec("flask_swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("flask-swagger-ui is not installed: reinstall the package")
    return Path(next(iter(spec.submodule_search_locations))) / "dist"


def swagger_plugin() -> SwaggerRenderPlugin:
    return SwaggerRenderPlugin(
        js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
    )


def swagger_assets() -> Router:
    # The files change only with the package's version, which a deploy restarts with.
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[swagger_ui_directory()],
        name="swagger-ui",
        cache_control=CacheControlHeader(max_age=86400),
        include_in_schema=False,
    )
