// The integrations' words: platform names, outcome tones, and the status mapping as typed in
// the form ("on-hold = PAID", one per line) and as shown.
import type { IntegrationOutcomeEnum, PlatformEnum, WebhookEventType } from "../generated/graphql";
import type { UserError } from "../ui/forms";

export const PLATFORM_LABEL: Record<PlatformEnum, string> = {
  WOOCOMMERCE: "WooCommerce",
  SHOPIFY: "Shopify",
  DOLIBARR: "Dolibarr",
};

export const OUTCOME_TONE: Record<IntegrationOutcomeEnum, "good" | "neutral" | "bad"> = {
  APPLIED: "good",
  DUPLICATE: "neutral",
  IGNORED: "neutral",
  REJECTED: "bad",
};

const MAPS_TO = ["CREATED", "PAID", "COMPLETED", "REFUND", "IGNORE"];

/** "on-hold = PAID" lines as the API's status map; a problem for each line that is not one. */
export function parseStatusMap(text: string, problems: UserError[]): { platformStatus: string; mapsTo: string }[] {
  const mapped: { platformStatus: string; mapsTo: string }[] = [];
  text
    .split("\n")
    .map((line) => line.trim())
    .forEach((line, i) => {
      if (!line) return;
      const [status, target, ...rest] = line.split("=").map((part) => part.trim());
      const upper = (target ?? "").toUpperCase();
      if (!status || rest.length || !MAPS_TO.includes(upper)) {
        problems.push({
          field: "statusMap",
          code: "INVALID",
          message: `Line ${i + 1}: write a platform status = one of ${MAPS_TO.join(", ")}.`,
        });
        return;
      }
      mapped.push({ platformStatus: status, mapsTo: upper });
    });
  return mapped;
}

export function statusMapText(map: readonly { platformStatus: string; mapsTo: string }[]): string {
  return map.map((m) => `${m.platformStatus} → ${m.mapsTo}`).join(", ");
}

// The domain events a subscription may receive, in the order the form lists them.
export const EVENT_TYPES: WebhookEventType[] = [
  "CUSTOMER_REGISTERED",
  "CUSTOMER_UPDATED",
  "CUSTOMER_ERASED",
  "CATEGORY_CHANGED",
  "PURCHASE_RECORDED",
  "PURCHASE_REFUNDED",
  "POINTS_EARNED",
  "POINTS_SPENT",
  "POINTS_EXPIRED",
  "LEDGER_ENTRY_REVERSED",
  "REDEMPTION_CANCELLED",
  "POINTS_CONVERTED_TO_VOUCHER",
  "VOUCHER_ASSIGNED",
  "VOUCHER_REDEEMED",
  "VOUCHER_REDEMPTION_CANCELLED",
  "VOUCHER_BATCH_CREATED",
  "REWARD_CLAIMED",
  "BADGE_UNLOCKED",
  "BADGE_LOST",
  "CARD_ISSUED",
  "CARD_STATUS_CHANGED",
  "GIFT_RUN_FINISHED",
  "EXPIRY_RUN_FINISHED",
  "WEBHOOK_SUBSCRIPTION_DISABLED",
];

/** CARD_STATUS_CHANGED as "Card status changed". */
export function eventLabel(type: WebhookEventType): string {
  const words = type.toLowerCase().split("_").join(" ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
