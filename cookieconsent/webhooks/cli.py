"""``flask webhooks``: the delivery worker, and a site's endpoints from the shell."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from ..accounts import audit
from ..commandline import site_named
from ..extensions import db
from . import delivery, endpoints

webhooks_cli = AppGroup("webhooks", help="Deliver webhooks; list and add a site's endpoints.")


@webhooks_cli.command("deliver")
@click.option("--once", is_flag=True, help="Send what is due now, then exit (for cron).")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls.")
@click.option("--batch", default=20, show_default=True, help="Deliveries claimed at a time.")
def deliver(once, interval, batch):
    """Send due deliveries (a systemd service, or cron with --once). Workers may run side by
    side: each delivery attempt is claimed by one of them."""
    while True:
        made = delivery.deliver_due(batch)
        for attempt in made:
            outcome = attempt.status_code or attempt.error
            click.echo(
                f"delivery {attempt.delivery_id} attempt {attempt.number}: {outcome} "
                f"({attempt.duration_ms} ms)"
            )
        if once:
            return
        if not made:
            time.sleep(interval)


@webhooks_cli.command("list")
@click.argument("key")
def list_endpoints(key):
    """List a site's endpoints and the events each hears."""
    site = site_named(key)
    for endpoint in endpoints.of_site(site.id):
        click.echo(f"{endpoint.id}\t{endpoint.url}\t{' '.join(endpoint.events)}")


@webhooks_cli.command("add")
@click.argument("key")
@click.argument("url")
@click.option("--recorded", is_flag=True, help="Also send consent.recorded.")
def add(key, url, recorded):
    """Add an endpoint to a site and print its signing secret."""
    site = site_named(key)
    try:
        endpoint = endpoints.add(site, url, recorded=recorded)
    except endpoints.InvalidEndpoint as error:
        raise click.BadParameter(error.message, param_hint="URL") from None
    audit.record("webhook.create", site=site, target=endpoint.url)
    db.session.commit()
    click.echo(f"Endpoint {endpoint.id}: {endpoint.url}")
    click.echo(f"Secret (verify each delivery's signature with it): {endpoint.secret}")


COMMANDS = (webhooks_cli,)
