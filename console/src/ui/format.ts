// Money is an integer of minor units; points are integers. Shown in the browser's locale.

/** The shop's currency (TESSERA_CURRENCY) and how many of an amount's digits are minor
 * units: 2 for EUR (1250 is 12.50), 0 for JPY (1250 is 1,250), 3 for KWD. */
export type ShopMoney = { currency: string; digits: number };

// Until the console has read the API's `shop` (before any page shows), EUR.
let shop: ShopMoney = { currency: "EUR", digits: 2 };

/** Every amount shown or typed from now on is in the shop's money (the API's `shop`). */
export function setShopMoney(money: ShopMoney): void {
  shop = money;
}

export function shopMoney(): ShopMoney {
  return shop;
}

/** Minor units shown as money: 1250 -> "€12.50" in a EUR shop, "¥1,250" in a JPY one. */
export function formatMoney(minor: number, currency?: string): string {
  const code = currency ?? shop.currency;
  const digits = code === shop.currency ? shop.digits : digitsOf(code);
  return new Intl.NumberFormat(undefined, {
    style: "currency",
    currency: code,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(minor / 10 ** digits);
}

function digitsOf(currency: string): number {
  return new Intl.NumberFormat(undefined, { style: "currency", currency }).resolvedOptions()
    .maximumFractionDigits ?? 2;
}

/** Minor units as major ones, for a chart's axis: 1250 -> 12.5 (EUR), 1250 (JPY). */
export function majorUnits(minor: number): number {
  return minor / 10 ** shop.digits;
}

/** A chart's value in major units back into minor ones. */
export function minorUnits(major: number): number {
  return Math.round(major * 10 ** shop.digits);
}

/** Minor units as the text a money field holds: 1250 -> "12.50" (EUR), "1250" (JPY). */
export function moneyText(minor: number | null | undefined): string {
  if (minor === null || minor === undefined) return "";
  return (minor / 10 ** shop.digits).toFixed(shop.digits);
}

export function formatPoints(points: number): string {
  return new Intl.NumberFormat().format(points);
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "";
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(iso),
  );
}

/** What a person types into minor units: "12.50" -> 1250 in a EUR shop, "1250" -> 1250 in
 * a JPY one (which has no decimals to type); null when it is not an amount. */
export function parseMoney(text: string): number | null {
  const cleaned = text.trim().replace(",", ".");
  const decimals = shop.digits > 0 ? `(\\.\\d{1,${shop.digits}})?` : "";
  if (!new RegExp(`^\\d+${decimals}$`).test(cleaned)) return null;
  const [units, fraction = ""] = cleaned.split(".");
  return Number(units) * 10 ** shop.digits + Number(fraction.padEnd(shop.digits, "0") || "0");
}
