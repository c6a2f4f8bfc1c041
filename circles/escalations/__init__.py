"""Escalations: from a screened message's request to an acknowledged professional.

``model`` (record, lifecycle, jobs), ``store`` (the port: records and the durable
outbox) with ``memory_store`` and ``redis_store``, ``dispatcher`` (delivery, retries,
escalation to the next level), ``policy`` (pure rules), ``oncall`` (the schedule),
``config`` (the on-call file), ``notifiers/`` (PagerDuty, webhook, e-mail, log),
``page`` (what a page may say), ``links`` (signed acknowledge/resolve/join links),
``join`` (the paged professional let into the circle, as its clinician), ``inbound``
(PagerDuty's webhooks), ``routes`` (HTTP), ``service`` (the node's escalations),
``wiring`` (building it all from settings).

This package's ``__init__`` imports nothing, so :mod:`circles.config` can be imported
from its modules without a cycle.
"""
