"""The sender: works through the delivery outbox, by e-mail and web push.

Each round claims the due deliveries, decides per row from the person's preferences (off:
skipped; daily digest: held until the next digest time), renders the tenant's template in its
language and sends. A failure is recorded with its reason; the row is tried again after a
growing delay and given up (``failed``, shown by ``tinget notifications failed``) after the
last one. A crash between sending and recording can repeat one message: SMTP offers nothing
stronger than at-least-once. Addresses are read here and never logged.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec
import structlog

from events import metrics
from services.identity.keys import Keys
from services.mail.mailer import Mail, MailDeliveryFailed, Mailer
from services.notifications import outbox, unsubscribe
from services.notifications.kinds import Digest, Kind
from services.notifications.outbox import Context, Delivery, Outcome, TenantInfo
from services.notifications.push import (
    PushDeferred,
    PushFailed,
    PushOutcome,
    PushRefused,
    PushSender,
)
from services.notifications.templates import Message, choose, compose, fill
from tenants import links

log = structlog.get_logger(__name__)

KEEP_FINISHED = timedelta(days=30)


@dataclass(frozen=True)
class Backoff:
    """Seconds to wait after the 1st, 2nd, ... failed attempt; after the last, give up."""

    delays: tuple[float, ...] = (30, 120, 600, 3600, 6 * 3600)

    def after(self, attempts: int) -> timedelta | None:
        if attempts > len(self.delays):
            return None
        return timedelta(seconds=self.delays[attempts - 1])


def next_digest(now: datetime, hour: int = 7) -> datetime:
    """The next daily digest time (``hour``:00 UTC) after ``now``."""
    at = now.astimezone(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return at if at > now else at + timedelta(days=1)


@dataclass
class Report:
    """What one round did, by outcome."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome_name(outcome)] += 1


def outcome_name(outcome: Outcome) -> str:
    """What an attempt came to, in a word: sent, retrying (failed; tried again later), failed
    (given up), skipped (nothing to send to) or deferred (held for the daily digest)."""
    if outcome.status == "pending":
        return "deferred" if outcome.digest else "retrying"
    return outcome.status


class NotificationSender:
    def __init__(
        self,
        pool: asyncpg.Pool,
        mailer: Mailer,
        push: PushSender,
        keys: Keys,
        *,
        backoff: Backoff | None = None,
        batch: int = 100,
        lease: timedelta = timedelta(minutes=5),
        digest_hour: int = 7,
        concurrency: int = 8,
    ) -> None:
        self.pool = pool
        self.mailer = mailer
        self.push = push
        self.keys = keys
        self.backoff = backoff or Backoff()
        self.batch = batch
        self.lease = lease
        self.digest_hour = digest_hour
        self._slots = asyncio.Semaphore(concurrency)

    async def run(self, stop: asyncio.Event, interval: float = 1.0) -> None:
        """Send what is due, round after round, until ``stop``; once an hour, forget finished
        deliveries older than ``KEEP_FINISHED`` (failed ones stay for operators)."""
        pruned_at = 0.0
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            if loop.time() - pruned_at > 3600:
                pruned_at = loop.time()
                await outbox.prune(self.pool, datetime.now(UTC) - KEEP_FINISHED)
            report = await self.send_due()
            if report.counts:
                log.info("notifications sent", **report.counts)
            if sum(report.counts.values()) >= self.batch:
                continue  # more may be due at once
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)

    async def send_due(self, now: datetime | None = None) -> Report:
        """One round at ``now`` (the clock by default; tests pass their own)."""
        now = now or datetime.now(UTC)
        report = Report()
        single = await outbox.claim(self.pool, now, self.batch, self.lease)
        if single:
            ctx = await outbox.context(self.pool, single)
            outcomes = await asyncio.gather(*(self._safely(self._one, d, ctx, now) for d in single))
            await self._finish(list(outcomes), now, report)
        bundled = await outbox.claim(self.pool, now, self.batch, self.lease, digests=True)
        if bundled:
            ctx = await outbox.context(self.pool, bundled)
            people: dict[tuple[str, object], list[Delivery]] = defaultdict(list)
            for d in bundled:
                people[(d.tenant_id, d.person_id)].append(d)
            done = await asyncio.gather(
                *(self._digest(ds, ctx, now) for ds in people.values()), return_exceptions=True
            )
            outcomes = []
            for rows, result in zip(people.values(), done, strict=True):
                if isinstance(result, BaseException):
                    log.error("digest failed", error=repr(result), tenant_id=rows[0].tenant_id)
                    reason = f"an error in Tinget: {type(result).__name__}"
                    result = [self._retry(d, reason, now) for d in rows]
                outcomes += result
            await self._finish(outcomes, now, report)
        return report

    async def _finish(self, outcomes: list[Outcome], now: datetime, report: Report) -> None:
        await outbox.finish(self.pool, outcomes, now)
        for o in outcomes:
            report.add(o)
            metrics.NOTIFICATION_DELIVERIES.labels(
                o.delivery.tenant_id, o.delivery.channel, outcome_name(o)
            ).inc()
            if o.status in ("failed", "pending") and o.error is not None:
                log.warning(
                    "notification not delivered",
                    tenant_id=o.delivery.tenant_id,
                    delivery_id=str(o.delivery.delivery_id),
                    kind=o.delivery.kind,
                    channel=o.delivery.channel,
                    attempts=o.attempts,
                    gave_up=o.status == "failed",
                    reason=o.error,
                )

    async def _safely(
        self,
        attempt: Callable[[Delivery, Context, datetime], Awaitable[Outcome]],
        d: Delivery,
        ctx: Context,
        now: datetime,
    ) -> Outcome:
        """An unexpected error fails this delivery's attempt (retried later), not the round."""
        try:
            return await attempt(d, ctx, now)
        except Exception as error:
            log.exception("notification attempt failed", delivery_id=str(d.delivery_id))
            return self._retry(d, f"an error in Tinget: {type(error).__name__}", now)

    def _retry(self, d: Delivery, reason: str, now: datetime) -> Outcome:
        attempts = d.attempts + 1
        delay = self.backoff.after(attempts)
        if delay is None:
            return Outcome(d, "failed", attempts, error=reason, digest=d.digest)
        return Outcome(d, "pending", attempts, now + delay, reason, d.digest)

    async def _one(self, d: Delivery, ctx: Context, now: datetime) -> Outcome:
        preference = ctx.preference(d)
        tenant = ctx.tenants.get(d.tenant_id)
        if tenant is None:
            return Outcome(d, "failed", d.attempts, error="the tenant is not in the directory")
        message = compose(
            Kind(d.kind),
            d.details,
            tenant.name,
            ctx.language(d, tenant),
            tenant.link_base,
            ctx.custom.get(d.tenant_id, {}),
            tenant.link_templates,
        )
        if d.channel == "push":
            return await self._push(d, ctx, message, now)
        if not preference.email:
            return Outcome(d, "skipped", d.attempts, error="the person turned these e-mails off")
        address = ctx.addresses.get((d.tenant_id, d.person_id))
        if address is None:
            return Outcome(d, "skipped", d.attempts, error="the person has no e-mail address")
        if preference.digest == Digest.DAILY:
            return Outcome(
                d, "pending", d.attempts, next_digest(now, self.digest_hour), digest=True
            )
        mail = self._mail(address, tenant, message.subject, message.body, d, d.kind)
        error, permanent = await self._send_mail(mail)
        return self._after(d, error, permanent, now)

    def _mail(
        self, address: str, tenant: TenantInfo, subject: str, text: str, d: Delivery, kind: str
    ) -> Mail:
        """The e-mail, with the one-click unsubscribe headers of RFC 8058 when it has a host
        (a digest's link turns every kind off), and its kind for filters."""
        headers = {"X-Tinget-Notification": kind}
        base = tenant.link_base
        if base is not None or "unsubscribe" in tenant.link_templates:
            scope = unsubscribe.ALL_KINDS if kind == Kind.DIGEST else kind
            token = unsubscribe.issue(self.keys, d.tenant_id, d.person_id, scope)
            found = links.link(
                tenant.link_templates,
                base,
                "unsubscribe",
                f"/api/v1/unsubscribe?token={token}",
                token=token,
            )
            headers["List-Unsubscribe"] = f"<{found}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        return Mail(
            to=address, subject=subject, text=text, sender_name=tenant.name, headers=headers
        )

    async def _send_mail(self, mail: Mail) -> tuple[str | None, bool]:
        """(None, _) when the SMTP server took it, else (why, whether retrying is pointless)."""
        async with self._slots:
            try:
                await self.mailer.send(mail)
            except MailDeliveryFailed as error:
                return error.reason, False
            except ValueError:  # the address in the person record is not one
                return "the recipient's address is not a valid e-mail address", True
        return None, False

    def _after(self, d: Delivery, error: str | None, permanent: bool, now: datetime) -> Outcome:
        if error is None:
            return Outcome(d, "sent", d.attempts + 1, digest=d.digest)
        if permanent:
            return Outcome(d, "failed", d.attempts + 1, error=error, digest=d.digest)
        return self._retry(d, error, now)

    async def _push(self, d: Delivery, ctx: Context, message: Message, now: datetime) -> Outcome:
        if not self.push.enabled:
            return Outcome(d, "skipped", d.attempts, error="web push is off in this deployment")
        if not ctx.preference(d).push:
            return Outcome(d, "skipped", d.attempts, error="the person turned push off")
        subscriptions = ctx.subscriptions.get((d.tenant_id, d.person_id), [])
        if not subscriptions:
            return Outcome(d, "skipped", d.attempts, error="the person has no push subscription")
        payload = msgspec.json.encode(
            {"kind": d.kind, "title": message.subject, "body": message.body, "url": message.link}
        )
        delivered, gone, reasons, refused, waits = 0, [], [], [], []
        for s in subscriptions:
            try:
                async with self._slots:  # one slot per attempt, each bounded by its timeout
                    outcome = await self.push.send(s.endpoint, s.p256dh, s.auth, payload)
            except PushRefused as error:
                refused.append(str(error))
                gone.append(s.subscription_id)  # it can never be sent to: forget it
                continue
            except PushDeferred as error:
                waits.append((error.wait, str(error)))
                continue
            except PushFailed as error:
                reasons.append(str(error))
                continue
            if outcome is PushOutcome.GONE:
                gone.append(s.subscription_id)
            else:
                delivered += 1
        if gone:
            await outbox.forget_subscriptions(self.pool, d.tenant_id, gone)
        if delivered:
            return Outcome(d, "sent", d.attempts + 1)
        if reasons:
            return self._retry(d, reasons[0], now)
        if waits:  # not tried: its push service is paused; not counted as an attempt
            wait, reason = min(waits)
            return Outcome(d, "pending", d.attempts, now + timedelta(seconds=wait), reason)
        if refused:
            return Outcome(d, "failed", d.attempts + 1, error=refused[0])
        return Outcome(d, "skipped", d.attempts + 1, error="every push subscription had expired")

    async def _digest(self, rows: list[Delivery], ctx: Context, now: datetime) -> list[Outcome]:
        """A person's held deliveries as one e-mail (those whose kind they turned off skipped)."""
        first = rows[0]
        tenant = ctx.tenants.get(first.tenant_id)
        address = ctx.addresses.get((first.tenant_id, first.person_id))
        wanted = [d for d in rows if ctx.preference(d).email]
        outcomes = [
            Outcome(d, "skipped", d.attempts, error="the person turned these e-mails off")
            for d in rows
            if not ctx.preference(d).email
        ]
        if tenant is None or address is None:
            why = "the person has no e-mail address" if tenant else "the tenant is unknown"
            return outcomes + [Outcome(d, "skipped", d.attempts, error=why) for d in wanted]
        if not wanted:
            return outcomes
        custom = ctx.custom.get(first.tenant_id, {})
        base = tenant.link_base
        language = ctx.language(first, tenant)
        items = []
        for d in wanted:
            m = compose(
                Kind(d.kind), d.details, tenant.name, language, base, custom, tenant.link_templates
            )
            items.append(f"■ {m.subject}\n\n{m.body}")
        subject, body = fill(
            *choose(Kind.DIGEST, language, custom),
            {
                "tenant": tenant.name,
                "items": "\n\n\n".join(items),
                "link": links.link(tenant.link_templates, base, "home", "") or "",
            },
        )
        mail = self._mail(address, tenant, subject, body, first, Kind.DIGEST)
        error, permanent = await self._send_mail(mail)
        return outcomes + [self._after(d, error, permanent, now) for d in wanted]
