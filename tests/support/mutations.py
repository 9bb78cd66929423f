"""Every mutation of the schema with well-typed variables, so that only a permission check
can refuse it (tests/schema/test_permissions.py sends each as every kind of caller)."""

from __future__ import annotations

from typing import Any

CREATE_CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { field code message } }
}"""

ADJUST = """
mutation($input: AdjustPointsInput!) {
  adjustPoints(input: $input) { entry { id } userErrors { field code message } }
}"""

RECORD = """
mutation($input: RecordPurchaseInput!) {
  recordPurchase(input: $input) { pointsAwarded userErrors { field code message } }
}"""

REFUND = """
mutation($input: RefundPurchaseInput!) {
  refundPurchase(input: $input) { refund { pointsTaken } userErrors { field code message } }
}"""

# Every mutation with well-typed variables, so that only the permission check can refuse it.
MUTATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "createCustomer": (
        CREATE_CUSTOMER,
        {"input": {"email": "new@example.com", "idempotencyKey": "perm-customer"}},
    ),
    "updateCustomer": (
        "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { "
        "userErrors { code } } }",
        {"input": {"id": "1", "firstName": "X"}},
    ),
    "setCustomerCategory": (
        "mutation($input: SetCustomerCategoryInput!) { setCustomerCategory(input: $input) { "
        "updatedCount } }",
        {"input": {"categoryId": "1", "customerIds": ["1"]}},
    ),
    "createPointCategory": (
        "mutation($input: CreatePointCategoryInput!) { createPointCategory(input: $input) { "
        "category { id } } }",
        {"input": {"name": "Gold", "earnMultiplier": "2", "idempotencyKey": "perm-cat"}},
    ),
    "updatePointCategory": (
        "mutation($input: UpdatePointCategoryInput!) { updatePointCategory(input: $input) { "
        "category { id } } }",
        {"input": {"id": "1", "name": "Renamed"}},
    ),
    "adjustPoints": (
        ADJUST,
        {"input": {"customerId": "1", "points": 5, "note": "n", "idempotencyKey": "perm-1"}},
    ),
    "reverseLedgerEntry": (
        "mutation($input: ReverseLedgerEntryInput!) { reverseLedgerEntry(input: $input) { "
        "replayed } }",
        {"input": {"entryId": "1", "note": "n"}},
    ),
    "recordPurchase": (
        RECORD,
        {
            "input": {
                "orderId": "P-1",
                "status": "PAID",
                "customerId": "1",
                "lines": [{"sku": "A", "quantity": 1, "unitPriceMinor": 1000}],
            }
        },
    ),
    "refundPurchase": (REFUND, {"input": {"orderId": "P-1", "idempotencyKey": "perm-r"}}),
    "updateEarningRules": (
        "mutation($input: UpdateEarningRulesInput!) { updateEarningRules(input: $input) { "
        "rules { pointsPerUnit } } }",
        {"input": {"pointsPerUnit": 99}},
    ),
    "redeemPoints": (
        "mutation($input: RedeemPointsInput!) { redeemPoints(input: $input) { replayed } }",
        {
            "input": {
                "customerId": "1",
                "orderId": "P-9",
                "points": 10,
                "idempotencyKey": "perm-x",
                "cart": [{"sku": "A", "quantity": 1, "unitPriceMinor": 1000}],
            }
        },
    ),
    "holdPoints": (
        "mutation($input: HoldPointsInput!) { holdPoints(input: $input) { replayed } }",
        {
            "input": {
                "customerId": "1",
                "orderId": "P-9",
                "points": 10,
                "idempotencyKey": "perm-h",
                "cart": [{"sku": "A", "quantity": 1, "unitPriceMinor": 1000}],
            }
        },
    ),
    "captureHold": (
        'mutation { captureHold(input: {holdId: "1"}) { replayed } }',
        {},
    ),
    "releaseHold": (
        'mutation { releaseHold(input: {holdId: "1"}) { replayed } }',
        {},
    ),
    "updateCustomerArea": (
        'mutation { updateCustomerArea(input: {introduction: "Hi"}) { userErrors { code } } }',
        {},
    ),
    "cancelRedemption": (
        'mutation { cancelRedemption(input: {redemptionId: "1"}) { replayed } }',
        {},
    ),
    "updateRedemptionRules": (
        "mutation($input: UpdateRedemptionRulesInput!) { updateRedemptionRules(input: $input) { "
        "rules { pointsPerUnit } } }",
        {"input": {"pointsPerUnit": 99}},
    ),
    "createVoucherBatch": (
        "mutation($input: CreateVoucherBatchInput!) { createVoucherBatch(input: $input) { "
        "batch { id } } }",
        {
            "input": {
                "name": "B",
                "count": 1,
                "kind": "PERCENT",
                "percentBp": 100,
                "idempotencyKey": "perm-b",
            }
        },
    ),
    "assignVoucher": (
        "mutation($input: AssignVoucherInput!) { assignVoucher(input: $input) { voucher { id } } }",
        {"input": {"code": "NOPE", "customerId": "1"}},
    ),
    "disableVouchers": (
        "mutation($input: DisableVouchersInput!) { disableVouchers(input: $input) { "
        "disabledCount } }",
        {"input": {"code": "NOPE"}},
    ),
    "redeemVoucher": (
        "mutation($input: RedeemVoucherInput!) { redeemVoucher(input: $input) { replayed } }",
        {
            "input": {
                "code": "NOPE",
                "orderId": "P-7",
                "idempotencyKey": "perm-v",
                "cart": [{"sku": "A", "quantity": 1, "unitPriceMinor": 1000}],
            }
        },
    ),
    "cancelVoucherRedemption": (
        'mutation { cancelVoucherRedemption(input: {redemptionId: "1"}) { replayed } }',
        {},
    ),
    "convertPointsToVoucher": (
        "mutation($input: ConvertPointsToVoucherInput!) { convertPointsToVoucher(input: $input) "
        "{ replayed } }",
        {"input": {"customerId": "1", "valueMinor": 100, "idempotencyKey": "perm-c"}},
    ),
    "updateVoucherConversion": (
        "mutation($input: UpdateVoucherConversionInput!) { updateVoucherConversion(input: $input) "
        "{ conversion { enabled } } }",
        {"input": {"enabled": True}},
    ),
    "createReward": (
        "mutation($input: CreateRewardInput!) { createReward(input: $input) { reward { id } } }",
        {
            "input": {
                "name": "Mug",
                "kind": "FREE_PRODUCT",
                "costPoints": 10,
                "voucher": {"kind": "GIFT_ITEM", "giftSku": "MUG"},
                "idempotencyKey": "perm-reward",
            }
        },
    ),
    "updateReward": (
        "mutation($input: UpdateRewardInput!) { updateReward(input: $input) { reward { id } } }",
        {"input": {"id": "1", "active": False}},
    ),
    "createBadge": (
        "mutation($input: CreateBadgeInput!) { createBadge(input: $input) { badge { id } } }",
        {"input": {"title": "Bronze", "minPoints": 100, "idempotencyKey": "perm-badge"}},
    ),
    "updateBadge": (
        "mutation($input: UpdateBadgeInput!) { updateBadge(input: $input) { badge { id } } }",
        {"input": {"id": "1", "active": False}},
    ),
    "createPriceRule": (
        "mutation($input: CreatePriceRuleInput!) { createPriceRule(input: $input) { "
        "rule { id } } }",
        {"input": {"name": "10%", "effect": "PERCENT", "percentBp": 1000, "idempotencyKey": "p"}},
    ),
    "updatePriceRule": (
        "mutation($input: UpdatePriceRuleInput!) { updatePriceRule(input: $input) { "
        "rule { id } } }",
        {"input": {"id": "1", "active": False}},
    ),
    "updateEarningActions": (
        "mutation($input: UpdateEarningActionsInput!) { updateEarningActions(input: $input) { "
        "actions { action } } }",
        {"input": {"actions": [{"action": "REVIEW", "points": 5, "oncePerCustomer": False}]}},
    ),
    "recordCustomerAction": (
        "mutation($input: RecordCustomerActionInput!) { recordCustomerAction(input: $input) { "
        "replayed } }",
        {"input": {"customerId": "1", "action": "REVIEW", "reference": "perm-r"}},
    ),
    "createPromotion": (
        "mutation($input: CreatePromotionInput!) { createPromotion(input: $input) { "
        "promotion { id } } }",
        {
            "input": {
                "name": "Double",
                "startsAt": "2030-01-01T00:00:00Z",
                "endsAt": "2030-01-02T00:00:00Z",
                "multiplier": "2",
                "idempotencyKey": "perm-promotion",
            }
        },
    ),
    "createMessageTemplate": (
        "mutation($input: CreateMessageTemplateInput!) { createMessageTemplate(input: $input) { "
        "template { id } } }",
        {
            "input": {
                "name": "Hi",
                "channel": "SMS",
                "fallbackLocale": "en-US",
                "translations": [{"locale": "en-US", "text": "Hi [first_name]"}],
                "idempotencyKey": "perm-template",
            }
        },
    ),
    "updateMessageTemplate": (
        "mutation($input: UpdateMessageTemplateInput!) { updateMessageTemplate(input: $input) { "
        "template { id } } }",
        {"input": {"id": "1", "name": "Hello"}},
    ),
    "setMessagingLimits": (
        "mutation($input: SetMessagingLimitsInput!) { setMessagingLimits(input: $input) { "
        "messagingLimits { defaultTimeZone } } }",
        {"input": {"quietHours": {"start": "21:00", "end": "09:00"}}},
    ),
    "sendTestMessage": (
        "mutation($input: SendTestMessageInput!) { sendTestMessage(input: $input) { "
        "message { id } } }",
        {"input": {"templateId": "1", "to": "me@shop.example", "idempotencyKey": "perm-test"}},
    ),
    "setBuiltInNotification": (
        "mutation($input: SetBuiltInNotificationInput!) { setBuiltInNotification(input: $input) "
        "{ notification { kind } } }",
        {"input": {"kind": "POINTS_EARNED", "enabled": False}},
    ),
    "addNoticeRecipient": (
        "mutation($input: AddNoticeRecipientInput!) { addNoticeRecipient(input: $input) { "
        "recipient { id } } }",
        {
            "input": {
                "email": "staff@example.com",
                "kinds": ["LARGE_ADJUSTMENT"],
                "idempotencyKey": "perm-notice",
            }
        },
    ),
    "updateNoticeRecipient": (
        "mutation($input: UpdateNoticeRecipientInput!) { updateNoticeRecipient(input: $input) { "
        "recipient { id } } }",
        {"input": {"id": "1", "kinds": ["GIFT_RUN_FINISHED"]}},
    ),
    "removeNoticeRecipient": (
        "mutation($input: RemoveNoticeRecipientInput!) { removeNoticeRecipient(input: $input) { "
        "removedId } }",
        {"input": {"id": "1"}},
    ),
    "setLargeAdjustmentThreshold": (
        "mutation($input: SetLargeAdjustmentThresholdInput!) { "
        "setLargeAdjustmentThreshold(input: $input) { settings { largeAdjustmentPoints } } }",
        {"input": {"points": 5}},
    ),
    "updatePromotion": (
        "mutation($input: UpdatePromotionInput!) { updatePromotion(input: $input) { "
        "promotion { id } } }",
        {"input": {"id": "1", "active": False}},
    ),
    "updatePointsExpiry": (
        "mutation($input: UpdatePointsExpiryInput!) { updatePointsExpiry(input: $input) { "
        "expiry { validityMonths } } }",
        {"input": {"validityMonths": 12}},
    ),
    # A customer caller may claim for itself only: naming another customer is refused too.
    "claimReward": (
        "mutation($input: ClaimRewardInput!) { claimReward(input: $input) { replayed } }",
        {"input": {"rewardId": "1", "customerId": "999999", "idempotencyKey": "perm-w"}},
    ),
    "createGiftSchedule": (
        "mutation($input: CreateGiftScheduleInput!) { createGiftSchedule(input: $input) { "
        "schedule { id } } }",
        {
            "input": {
                "name": "G",
                "cron": "0 9 1 * *",
                "points": 5,
                "description": "Thanks",
                "idempotencyKey": "perm-gift",
            }
        },
    ),
    "updateGiftSchedule": (
        "mutation($input: UpdateGiftScheduleInput!) { updateGiftSchedule(input: $input) { "
        "schedule { id } } }",
        {"input": {"id": "1", "active": False}},
    ),
    "setTierRules": (
        "mutation($input: SetTierRulesInput!) { setTierRules(input: $input) { movedCount } }",
        {"input": {"measure": "LIFETIME_SPEND", "rungs": []}},
    ),
    "evaluateTiers": ("mutation { evaluateTiers { movedCount } }", {}),
    "recomputeRfm": (
        "mutation($input: RecomputeRfmInput!) { recomputeRfm(input: $input) { run { id } } }",
        {"input": {"idempotencyKey": "rfm-1"}},
    ),
    "releaseCategoryOverride": (
        "mutation($input: ReleaseCategoryOverrideInput!) { releaseCategoryOverride(input: $input) "
        "{ releasedCount } }",
        {"input": {"customerIds": ["1"]}},
    ),
    "saveSegment": (
        "mutation($input: SaveSegmentInput!) { saveSegment(input: $input) { created } }",
        {"input": {"name": "perm-segment", "filter": {"balance": {"gte": 1}}}},
    ),
    "deleteSegment": (
        "mutation($input: DeleteSegmentInput!) { deleteSegment(input: $input) { deleted } }",
        {"input": {"name": "perm-segment"}},
    ),
    "saveFunnel": (
        "mutation($input: SaveFunnelInput!) { saveFunnel(input: $input) { funnel { id } } }",
        {"input": {"definition": {"name": "F"}, "idempotencyKey": "perm-funnel"}},
    ),
    **{
        f"{verb}Funnel": (
            f"mutation($id: ID!) {{ {verb}Funnel(id: $id) {{ funnel {{ id }} }} }}",
            {"id": "1"},
        )
        for verb in ("activate", "pause", "resume", "archive")
    },
    # Cards: the till's (MANAGE_CUSTOMERS), and the series (MANAGE_CARD_SERIES).
    "issueCard": (
        "mutation($input: IssueCardInput!) { issueCard(input: $input) { card { id } } }",
        {"input": {"customerId": "1", "code": "PERM-1", "idempotencyKey": "perm-card"}},
    ),
    **{
        name: (
            f"mutation($input: CardStatusInput!) {{ {name}(input: $input) {{ card {{ id }} }} }}",
            {"input": {"code": "PERM-1"}},
        )
        for name in ("blockCard", "unblockCard", "reportCardLost")
    },
    "replaceCard": (
        "mutation($input: ReplaceCardInput!) { replaceCard(input: $input) { card { id } } }",
        {"input": {"lostCode": "PERM-1", "newCode": "PERM-2", "idempotencyKey": "perm-rep"}},
    ),
    "setPrimaryCard": (
        "mutation($input: SetPrimaryCardInput!) { setPrimaryCard(input: $input) { card { id } } }",
        {"input": {"code": "PERM-1"}},
    ),
    "createCardSeries": (
        "mutation($input: CreateCardSeriesInput!) { createCardSeries(input: $input) { "
        "series { id } } }",
        {"input": {"name": "Perm", "type": "POINTS", "idempotencyKey": "perm-series"}},
    ),
    "updateCardSeries": (
        "mutation($input: UpdateCardSeriesInput!) { updateCardSeries(input: $input) { "
        "series { id } } }",
        {"input": {"id": "1", "name": "Renamed"}},
    ),
    # Platform integrations (MANAGE_INTEGRATIONS).
    "connectPlatform": (
        "mutation($input: ConnectPlatformInput!) { connectPlatform(input: $input) { "
        "connection { shop } } }",
        {"input": {"shop": "web", "platform": "DOLIBARR", "idempotencyKey": "perm-connect"}},
    ),
    "rotateDolibarrToken": (
        'mutation { rotateDolibarrToken(shop: "web") { dolibarrToken } }',
        {},
    ),
    "createWebhookSubscription": (
        "mutation($input: CreateWebhookSubscriptionInput!) { createWebhookSubscription("
        "input: $input) { subscription { id } } }",
        {
            "input": {
                "url": "http://127.0.0.1:9/hooks",
                "eventTypes": ["POINTS_EARNED"],
                "idempotencyKey": "perm-webhook",
            }
        },
    ),
    "updateWebhookSubscription": (
        "mutation($input: UpdateWebhookSubscriptionInput!) { updateWebhookSubscription("
        "input: $input) { subscription { id } } }",
        {"input": {"id": "1", "active": False}},
    ),
    "redeliverWebhook": (
        "mutation($input: RedeliverWebhookInput!) { redeliverWebhook(input: $input) { "
        "delivery { id } } }",
        {"input": {"id": "1", "idempotencyKey": "perm-redeliver"}},
    ),
    # Bulk imports (MANAGE_INTEGRATIONS).
    "startImport": (
        "mutation($input: StartImportInput!) { startImport(input: $input) { "
        "job { id } userErrors { code } } }",
        {"input": {"kind": "CUSTOMERS", "uploadId": "00000000-0000-0000-0000-000000000000"}},
    ),
    # A customer token's own: every staff token is refused it.
    "setMyConsent": (
        "mutation($input: SetMyConsentInput!) { setMyConsent(input: $input) { customer { id } } }",
        {"input": {"channel": "SMS", "granted": True}},
    ),
    "setCardSeriesDiscount": (
        'mutation { setCardSeriesDiscount(seriesId: "1", discount: {percentBp: 1000}) { '
        "series { seriesId } } }",
        {},
    ),
    "setCardDiscountPolicy": (
        "mutation { setCardDiscountPolicy(mode: ADDITIVE, capBp: 2000) { policy { mode } } }",
        {},
    ),
    "exportCustomerData": (
        "mutation($input: ExportCustomerDataInput!) { exportCustomerData(input: $input) { data } }",
        {"input": {"customerId": "1"}},
    ),
    "eraseCustomer": (
        "mutation($input: EraseCustomerInput!) { eraseCustomer(input: $input) { replayed } }",
        {"input": {"customerId": "1", "idempotencyKey": "perm-erase"}},
    ),
}

# The mutations a customer token may call (on itself only: tests/schema/
# test_reachability_api.py, and claimReward above names another customer).
CUSTOMER_OWN_MUTATIONS = frozenset({"setMyConsent"})
# Signing in and out: open to every role (login to callers without a token too), so no role
# is refused them; tests/schema/test_console_sign_in_api.py says who may call them.
SIGN_IN_MUTATIONS = frozenset({"login", "logout"})
