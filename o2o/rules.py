"""Business rules written once: a condition the database evaluates on rows
(a Q or an Exists) and the refusal given when it does not hold.

The same Rule serves every path: `check` reads a row with one boolean per
rule beside it and says which rule it broke (the first, in the order people
should hear them), and `all_hold` is the WHERE of a conditional UPDATE or
of a batch. Python never re-implements the condition, so SQLite and
PostgreSQL run the same rule, and the reason given is read from the rule
that failed.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import BooleanField, Exists, Expression, ExpressionWrapper, Model, Q, QuerySet

from o2o.errors import DomainError

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Rule:
    code: str
    holds: Q | Exists | Expression
    # The refusal, given the row that broke the rule.
    refusal: Callable[[Any], DomainError]

    def condition(self) -> Q:
        return self.holds if isinstance(self.holds, Q) else Q(self.holds)


def _flag(i: int) -> str:
    return f"_rule_{i}"


def with_rules(queryset: QuerySet[M], rules: Sequence[Rule]) -> QuerySet[M]:
    """The rows, each with whether it meets every rule (read by `broken`)."""
    return queryset.annotate(
        **{
            _flag(i): ExpressionWrapper(rule.condition(), output_field=BooleanField())
            for i, rule in enumerate(rules)
        }
    )


def flags(rules: Sequence[Rule]) -> list[str]:
    """The names `with_rules` annotates, in order (for values_list)."""
    return [_flag(i) for i in range(len(rules))]


def broken_flag(values: Sequence[Any], rules: Sequence[Rule]) -> Rule | None:
    """The first rule whose flag (read through `flags`) is false, or None."""
    for rule, holds in zip(rules, values, strict=True):
        if not holds:
            return rule
    return None


def broken(row: Model, rules: Sequence[Rule]) -> Rule | None:
    """The first rule a row read through `with_rules` breaks, or None."""
    return broken_flag([getattr(row, name) for name in flags(rules)], rules)


def check(row: Model, rules: Sequence[Rule]) -> None:
    """Raise the refusal of the first rule the row breaks."""
    rule = broken(row, rules)
    if rule is not None:
        raise rule.refusal(row)


def all_hold(rules: Sequence[Rule]) -> Q:
    q = Q()
    for rule in rules:
        q &= rule.condition()
    return q
