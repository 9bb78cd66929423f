"""Built-in messages for a batch of occasions: every fact read once for the whole batch
(customers and their standing, vouchers, rewards, badges, templates: a query per kind of
fact), then one message per occasion and channel, rendered."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from domain.badges.models import Badge
from domain.badges.services import badges_by_id
from domain.rewards.models import Reward
from domain.rewards.services import rewards_by_id
from domain.uow import UnitOfWork
from domain.vouchers.models import Voucher, VoucherKind, VoucherStatus
from domain.vouchers.queries import vouchers_by_id
from notifications.builtins.models import BuiltIn, BuiltInKind
from notifications.builtins.occasions import Occasion
from notifications.delivery.models import NewMessage, Purpose
from notifications.dispatch.composing import Draft, Shop, compose, consent_channel
from notifications.facts import customer_facts
from notifications.store.services import current_versions
from notifications.templates import Channel


async def built_in_messages(
    uow: UnitOfWork,
    shop: Shop,
    settings: Mapping[BuiltInKind, BuiltIn],
    occasions: Sequence[Occasion],
) -> list[NewMessage]:
    """The messages of the occasions, in the open unit of work. An occasion whose customer,
    voucher, reward or badge is gone (or whose voucher was disabled before it was
    announced) makes none; a customer without an address on a channel gets none on it."""
    if not occasions:
        return []
    facts = await customer_facts(uow, [o.customer_id for o in occasions])
    vouchers = await _read(uow, vouchers_by_id, [o.voucher_id for o in occasions])
    rewards = await _read(uow, rewards_by_id, [o.reward_id for o in occasions])
    badges = await _read(uow, badges_by_id, [o.badge_id for o in occasions])
    kinds = {o.kind for o in occasions}
    templates = await current_versions(uow, [t for k in kinds for t in settings[k].template_ids])
    made: list[NewMessage] = []
    for occasion in occasions:
        customer = facts.get(occasion.customer_id)
        own = _occasion_facts(occasion, shop, vouchers, rewards, badges)
        if customer is None or own is None:
            continue
        extra, secrets = own
        setting = settings[occasion.kind]
        for template_id in setting.template_ids:
            found = templates.get(template_id)
            if found is None:
                continue
            template, version = found
            email = template.channel is Channel.EMAIL
            unsubscribe = shop.unsubscribe_link(customer.customer.id) if email else None
            data = customer.message_data(
                shop_name=shop.name,
                currency=shop.currency,
                unsubscribe_link=unsubscribe,
                **extra,
            )
            draft = Draft(
                dedupe_key=f"{occasion.key}:{consent_channel(template.channel).value}",
                customer=customer.customer,
                locale=customer.locale,
                template=template,
                version=version,
                purpose=setting.purpose,
                data=data,
                # Mail clients' one-click unsubscribe button: on marketing email only.
                unsubscribe_url=unsubscribe if setting.purpose is Purpose.MARKETING else None,
                secrets=secrets,
            )
            message = compose(draft)
            if message is not None:
                made.append(message)
    return made


def _occasion_facts(
    occasion: Occasion,
    shop: Shop,
    vouchers: Mapping[int, Voucher],
    rewards: Mapping[int, Reward],
    badges: Mapping[int, Badge],
) -> tuple[dict[str, Any], tuple[str, ...]] | None:
    """The occasion's own facts and the secrets among them; None when what it is about is
    gone."""
    extra: dict[str, Any] = dict(occasion.facts)
    secrets: tuple[str, ...] = ()
    if occasion.voucher_id is not None:
        voucher = vouchers.get(occasion.voucher_id)
        if voucher is None or voucher.status is VoucherStatus.DISABLED:
            return None
        extra.update(_voucher_facts(voucher))
        secrets = (voucher.code,)
    if occasion.reward_id is not None:
        reward = rewards.get(occasion.reward_id)
        if reward is None:
            return None
        extra["reward_name"] = reward.spec.name
        extra["reward_link"] = shop.reward_link(reward.id)
    if occasion.badge_id is not None:
        badge = badges.get(occasion.badge_id)
        if badge is None:
            return None
        extra["badge"] = badge.spec.title
    return extra, secrets


async def _read(uow: UnitOfWork, reader: Any, ids: list[int | None]) -> dict[int, Any]:
    wanted = sorted({i for i in ids if i is not None})
    return await reader(uow, wanted) if wanted else {}


def _voucher_facts(voucher: Voucher) -> dict[str, Any]:
    terms = voucher.terms
    return {
        "voucher_code": voucher.code,
        "voucher_value_minor": terms.value_minor
        if terms.kind is VoucherKind.FIXED_AMOUNT
        else None,
        "voucher_expiry_date": last_valid_moment(terms.valid_until),
    }


def last_valid_moment(valid_until: datetime | None) -> datetime | None:
    """A voucher's `valid_until` is exclusive (the first moment it no longer works):
    `[voucher_expiry_date]`, the last day it is valid, is the date of the moment before, in
    the customer's time zone (valid until 2 March 00:00 is "Mar 1")."""
    return None if valid_until is None else valid_until - timedelta(microseconds=1)
