"""Shared model pieces: money fields and the state-machine helper."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from o2o.errors import Conflict


def MoneyField(
    verbose_name: "str | Promise | None" = None, **kwargs: object
) -> models.DecimalField:
    """A money amount; its currency lives in a sibling `currency` field."""
    kwargs.setdefault("max_digits", 12)
    kwargs.setdefault("decimal_places", 2)
    kwargs.setdefault("default", Decimal("0.00"))
    return models.DecimalField(verbose_name, **kwargs)  # type: ignore[arg-type]


def CurrencyField() -> models.CharField:
    return models.CharField(_("currency"), max_length=3, default=settings.CURRENCY)


def check_transition(model: Any, current: str, new: str) -> None:
    """Refuse a status change that `model.TRANSITIONS` does not allow, saying
    so in the user's language (the statuses' and the model's own names)."""
    if new not in model.TRANSITIONS.get(current, set()):
        labels = dict(model.Status.choices)
        raise Conflict(
            f"{model._meta.model_name}_{current}",
            _("This %(what)s is %(current)s and cannot become %(new)s.")
            % {
                "what": model._meta.verbose_name,
                "current": str(labels.get(current, current)).lower(),
                "new": str(labels.get(new, new)).lower(),
            },
        )


def ActorField() -> models.ForeignKey:  # type: ignore[type-arg]
    """Who made a change an event row records, if anyone. Kept by the ORM,
    not by a database key: every redemption at a store writes events by the
    same cashier, and a key check per event share-locks that one user row
    from every till at once. Not indexed: nothing reads events by user."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )


class StatusEvent(models.Model):
    """A row of a lifecycle's history: what happened, from which status to
    which (the same status for what changes no status)."""

    kind = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class DeferredTask(models.Model):
    """A background job that could not be handed to the broker (Redis down).

    Written instead of losing the job; `send_deferred_tasks` hands it over
    once the broker answers again. Tasks are idempotent, so a job sent twice
    (e.g. the broker took it but the answer was lost) does no harm.
    """

    name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name}{tuple(self.args)}"
