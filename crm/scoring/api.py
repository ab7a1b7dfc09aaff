"""REST API of lead scoring: signals from the website and the mailing tool, a person's score, and the
administrator's rules and settings (the same services as the scoring page)."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from crm.accounts import access
from crm.core.audit import ChangeSource
from crm.core.errors import PermissionDenied
from crm.core.ids import Id
from crm.core.models import ChangeChannel
from crm.scoring import selectors, services
from crm.scoring.models import Rule, Settings

router = Router(tags=["lead scoring"])

ACTIONS = (
    "email_opened, link_clicked, page_visited, form_filled, replied, called, met, ordered or unsubscribed"
)


def _admin(request: HttpRequest) -> None:
    if not access.can_administer(request.auth):
        raise PermissionDenied("lead scoring")


def _source(request: HttpRequest) -> ChangeSource:
    return ChangeSource.from_request(request, ChangeChannel.API)


class SignalIn(Schema):
    action: str = Field(description=ACTIONS)
    contact_id: Id | None = Field(None, description="The person; or name them by email or phone")
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=64)
    occurred_at: datetime.datetime | None = Field(None, description="Default: now")
    address: str = Field("", max_length=2000, description="The page or the link (page_visited, link_clicked)")


class SignalsIn(Schema):
    signals: list[SignalIn] = Field(description="At most 1,000 at once")


class SignalsOut(Schema):
    recorded: int = Field(description="New signals")
    repeated: int = Field(
        description="Already counted today (a kind counts once a day per person and address)"
    )
    unknown: list[int] = Field(description="Positions of the signals whose person was not found")


@router.post("/scoring/signals", response=SignalsOut, summary="Record what people did (mailing, website)")
def record_signals(request: HttpRequest, payload: SignalsIn) -> dict[str, Any]:
    items = [services.SignalInput(**s.model_dump()) for s in payload.signals]
    done = services.signals_record(actor=request.auth, items=items, source=_source(request))
    return {"recorded": done.recorded, "repeated": done.repeated, "unknown": done.unknown or []}


class SignalOut(Schema):
    action: str
    occurred_at: datetime.datetime
    address: str
    points: int = Field(description="When it happened")
    worth: int = Field(description="Today, faded")


class ScoreOut(Schema):
    points: int
    band: str = Field(description="hot, warm or cold")
    signals: list[SignalOut] = Field(description="The latest, newest first")


@router.get("/contacts/{contact_id}/score", response=ScoreOut, summary="A person's lead score")
def contact_score(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    found = selectors.contact_score(user=request.auth, contact_id=contact_id)
    return {
        "points": found.points,
        "band": found.band,
        "signals": [
            {
                "action": s.action,
                "occurred_at": s.occurred_at,
                "address": s.address,
                "points": s.points,
                "worth": s.worth,
            }
            for s in found.signals
        ],
    }


class ScoringSettingsOut(Schema):
    half_life_days: int = Field(description="Points halve every so many days (0: never)")
    hot_from: int
    warm_from: int


def _settings(conf: Settings) -> dict[str, Any]:
    return {"half_life_days": conf.half_life_days, "hot_from": conf.hot_from, "warm_from": conf.warm_from}


@router.get(
    "/scoring/settings", response=ScoringSettingsOut, summary="How points fade; where hot and warm begin"
)
def get_settings(request: HttpRequest) -> dict[str, Any]:
    _admin(request)
    return _settings(selectors.settings())


@router.put("/scoring/settings", response=ScoringSettingsOut, summary="Change the scoring's settings")
def put_settings(request: HttpRequest, payload: ScoringSettingsOut) -> dict[str, Any]:
    data = services.SettingsInput(**payload.model_dump())
    return _settings(services.settings_save(actor=request.auth, data=data, source=_source(request)))


class RuleOut(Schema):
    id: int
    action: str = Field(description=ACTIONS)
    address_contains: str
    points: int
    active: bool


class RuleIn(Schema):
    action: str = Field(description=ACTIONS)
    address_contains: str = Field("", max_length=200, description="Only page_visited and link_clicked")
    points: int = Field(description="-1000 to 1000, not zero")
    active: bool = True


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "action": rule.action,
        "address_contains": rule.address_contains,
        "points": rule.points,
        "active": rule.active,
    }


@router.get("/scoring/rules", response=list[RuleOut], summary="The scoring rules")
def list_rules(request: HttpRequest) -> list[dict[str, Any]]:
    _admin(request)
    return [_rule(r) for r in selectors.rules()]


@router.post("/scoring/rules", response={201: RuleOut}, summary="Add a scoring rule")
def create_rule(request: HttpRequest, payload: RuleIn) -> Status[dict[str, Any]]:
    data = services.RuleInput(**payload.model_dump())
    return Status(
        201, _rule(services.rule_save(actor=request.auth, rule_id=None, data=data, source=_source(request)))
    )


@router.put("/scoring/rules/{rule_id}", response=RuleOut, summary="Change a scoring rule (or switch it off)")
def update_rule(request: HttpRequest, rule_id: Id, payload: RuleIn) -> dict[str, Any]:
    data = services.RuleInput(**payload.model_dump())
    return _rule(services.rule_save(actor=request.auth, rule_id=rule_id, data=data, source=_source(request)))
