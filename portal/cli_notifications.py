"""`flask portal notifications …` (digest, retry) and `flask portal sso …` (admin override, unbinding)."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

notifications_cli = AppGroup("notifications", help="Notifications: the IG digest and delivery retries.")
sso_cli = AppGroup("sso", help="Single sign-on identities: the administrator's overrides.")


def _audit(username: str, change: str) -> None:
    from portal.audit import trail

    trail.record("account_access_change", details={"account": username, "change": change, "by": "command line"})


@notifications_cli.command("digest")
@click.option("--hours", default=24, show_default=True, type=click.IntRange(1, 24 * 31))
def digest(hours: int) -> None:
    """Send IG the day's flag counts (their mailbox and portal queue). Run daily from cron."""
    from portal.notifications.digest import send_digest

    results = send_digest(hours=hours)
    click.echo(f"Digest: {sum(s == 'sent' for s in results.values())} sent, "
               f"{sum(s != 'sent' for s in results.values())} not sent.")


@notifications_cli.command("retry")
@click.option("--rounds", default=1, show_default=True, type=click.IntRange(1, 50),
              help="How many passes; stops early when nothing is left to send.")
@click.option("--wait", default=30.0, show_default=True, type=click.FloatRange(0, 3600),
              help="Seconds between passes.")
def retry(rounds: int, wait: float) -> None:
    """Resend pending and failed notifications (each has a bounded number of attempts)."""
    from portal.notifications.dispatch import retry_due

    for number in range(1, rounds + 1):
        results = retry_due()
        failed = sum(s != "sent" for s in results.values())
        click.echo(f"Pass {number}: {len(results) - failed} sent, {failed} not sent.")
        if not failed:
            return
        if number < rounds:
            time.sleep(wait)
    raise click.ClickException("Some notifications are still not delivered (see `last_error`).")


def _change_identity(username: str, changed: bool, audited_as: str, done: str) -> None:
    """Audit and report a change to USERNAME's single sign-on identity; `changed` is False when they have none."""
    if not changed:
        raise click.ClickException(f"{username} has no single sign-on identity.")
    _audit(username, audited_as)
    click.echo(f"{username}: {done}")


@sso_cli.command("pin")
@click.argument("username")
def pin(username: str) -> None:
    """Keep USERNAME's role and organisation as set in the portal, whatever the provider's claims say."""
    from portal.data.sso import set_role_pinned

    _change_identity(username, set_role_pinned(username, True), "pinned",
                     "role and organisation pinned (claims ignored).")


@sso_cli.command("unpin")
@click.argument("username")
def unpin(username: str) -> None:
    """Let the provider's claims manage USERNAME's role and organisation again."""
    from portal.data.sso import set_role_pinned

    _change_identity(username, set_role_pinned(username, False), "unpinned", "claims manage role and organisation.")


@sso_cli.command("unbind")
@click.argument("username")
def unbind(username: str) -> None:
    """Remove USERNAME's link to a provider identity; their next single sign-on binds anew."""
    from portal.data.sso import unbind as remove

    _change_identity(username, remove(username), "unbound", "single sign-on identity removed.")
