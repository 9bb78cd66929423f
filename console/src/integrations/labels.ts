// The integrations' words: platform names, outcome tones, and the status mapping as typed in
// the form ("on-hold = PAID", one per line) and as shown.
import type { IntegrationOutcomeEnum, PlatformEnum } from "../generated/graphql";
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
