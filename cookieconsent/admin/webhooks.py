"""Webhooks of a site: its endpoints, what was sent to them and how each attempt went."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..accounts import audit
from ..extensions import db
from ..models import WebhookDelivery
from ..webhooks import delivery as queue
from ..webhooks import endpoints
from .auth import site_or_404
from .blueprint import bp
from .forms import ActionForm, WebhookForm


@bp.get("/sites/<key>/webhooks")
def webhooks(key):
    """Endpoints, recent deliveries and their attempts; admins also see the secrets."""
    return _page(site_or_404(key), WebhookForm())


def _page(site, form: WebhookForm) -> str:
    return render_template(
        "admin/webhooks.html",
        site=site,
        endpoints=endpoints.of_site(site.id),
        deliveries=queue.recent(site.id),
        form=form,
    )


@bp.post("/sites/<key>/webhooks")
def webhook_add(key):
    """Add an endpoint; its secret is shown on the page."""
    site = site_or_404(key)
    form = WebhookForm()
    if form.validate_on_submit():
        try:
            endpoint = endpoints.add(site, form.url.data, recorded=form.recorded.data)
        except endpoints.InvalidEndpoint as error:
            form.url.errors.append(error.message)
        else:
            details = {"events": endpoint.events}
            audit.record("webhook.create", site=site, target=endpoint.url, details=details)
            db.session.commit()
            flash(_("Endpoint added. Give its secret to the site's backend."))
            return redirect(url_for("admin.webhooks", key=key))
    db.session.rollback()
    return _page(site, form), 422


def _endpoint_or_404(site, endpoint_id):
    endpoint = endpoints.get(site, endpoint_id)
    if endpoint is None or not ActionForm().validate_on_submit():
        abort(404)
    return endpoint


@bp.post("/sites/<key>/webhooks/<int:endpoint_id>/delete")
def webhook_delete(key, endpoint_id):
    """Remove an endpoint, with what waits to be sent to it."""
    site = site_or_404(key)
    endpoint = _endpoint_or_404(site, endpoint_id)
    audit.record("webhook.delete", site=site, target=endpoint.url)
    db.session.delete(endpoint)
    db.session.commit()
    flash(_("Endpoint removed."))
    return redirect(url_for("admin.webhooks", key=key))


@bp.post("/sites/<key>/webhooks/<int:endpoint_id>/rotate-secret")
def webhook_rotate_secret(key, endpoint_id):
    """Sign with a new secret from the next attempt on."""
    site = site_or_404(key)
    endpoint = _endpoint_or_404(site, endpoint_id)
    endpoints.rotate_secret(endpoint)
    audit.record("webhook.rotate_secret", site=site, target=endpoint.url)
    db.session.commit()
    flash(_("New secret made: deliveries are signed with it from now on."))
    return redirect(url_for("admin.webhooks", key=key))


@bp.post("/sites/<key>/webhooks/deliveries/<int:delivery_id>/replay")
def webhook_replay(key, delivery_id):
    """Send a delivery's event again (same event id and body, a fresh day of retries)."""
    site = site_or_404(key)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if (
        delivery is None
        or delivery.endpoint.site_id != site.id
        or not ActionForm().validate_on_submit()
    ):
        abort(404)
    again = queue.replay(delivery)
    audit.record(
        "webhook.replay",
        site=site,
        target=delivery.event_id,
        details={"delivery": delivery.id, "replay": again.id},
    )
    db.session.commit()
    flash(_("Queued again as delivery %(id)s.", id=again.id))
    return redirect(url_for("admin.webhooks", key=key))
