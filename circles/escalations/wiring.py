"""Builds the node's escalations from its settings and on-call file (for the app factory,
which picks the store)."""

from __future__ import annotations

from circles.clock import Clock
from circles.config import Settings
from circles.escalations.config import EscalationConfig
from circles.escalations.links import Links
from circles.escalations.notifiers import Notifier, build_notifier
from circles.escalations.page import ExcerptPolicy, Privacy
from circles.escalations.service import EscalationService
from circles.escalations.store import EscalationStore

__all__ = ["build_service", "privacy_of"]


def privacy_of(settings: Settings) -> Privacy:
    extras = frozenset(f.strip() for f in settings.escalation_page_fields.split(",") if f.strip())
    # no console of Circles' own: a page's way in is its join link (see page.py)
    console = settings.console_url or ""
    return Privacy.from_secret(
        settings.secret, console, extras, ExcerptPolicy(settings.escalation_excerpt)
    )


def build_service(
    settings: Settings,
    config: EscalationConfig,
    store: EscalationStore,
    clock: Clock,
    *,
    consumer: str | None = None,
) -> EscalationService:
    """The service with its notifiers made (each checked; ConfigError names a bad one)."""
    notifiers: dict[str, Notifier] = {
        spec.name: build_notifier(spec.use, spec.name, config.delivery.timeout, spec.settings)
        for spec in config.notifiers
    }
    links = Links(settings.secret, settings.base_url, config.policy.link_ttl)
    return EscalationService(
        store=store,
        config=config,
        notifiers=notifiers,
        privacy=privacy_of(settings),
        links=links,
        clock=clock,
        consumer=consumer,
    )
