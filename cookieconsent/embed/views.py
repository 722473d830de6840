"""Serving the banner script with the site's configuration."""

import json

from flask import Response, current_app

from ..api.views import site_config_data
from ..schemas import SiteConfigSchema
from ..sites import get_site
from . import bp


@bp.get("/<key>.js")
def script(key):
    """The banner code with the site's configuration, one request for everything."""
    site = get_site(key)
    config = SiteConfigSchema().dump(site_config_data(site))
    code = (current_app.static_folder and open(f"{current_app.static_folder}/banner.js").read()) or ""
    body = f"var __cookieconsent={json.dumps(config, ensure_ascii=False)};\n{code}"
    return Response(body, mimetype="text/javascript")
