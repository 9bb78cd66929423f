// Cards in words (the till, the customer page and the program show them), and a card's
// barcode image: /cards/<code>.svg needs the bearer token, which an <img> cannot send, so it
// is fetched and shown from an object URL.
import { useEffect, useState } from "react";
import { currentToken } from "../app/session";

const TYPES: Record<string, string> = {
  POINTS: "points card",
  DISCOUNT: "discount card",
  CURRENT_DISCOUNT: "next-visit discount card",
  PRIZE: "prize card",
};

const STATUSES: Record<string, string> = {
  ACTIVE: "Active",
  BLOCKED: "Blocked",
  LOST: "Lost",
  REPLACED: "Replaced",
};

export function cardTypeLabel(type: string): string {
  return TYPES[type] ?? type;
}

export function cardStatusLabel(status: string): string {
  return STATUSES[status] ?? status;
}

export type Barcode =
  | { state: "loading" }
  | { state: "ready"; url: string }
  | { state: "failed"; message: string };

/** The SVG barcode of a card, fetched with the session's token; revoked when unused. */
export function useBarcode(code: string): Barcode {
  const [barcode, setBarcode] = useState<Barcode>({ state: "loading" });
  useEffect(() => {
    let url: string | null = null;
    let live = true;
    setBarcode({ state: "loading" });
    const token = currentToken();
    fetch(`/cards/${encodeURIComponent(code)}.svg`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    })
      .then(async (response) => {
        if (!response.ok) {
          const body = (await response.json().catch(() => null)) as {
            errors?: { message?: string }[];
          } | null;
          throw new Error(body?.errors?.[0]?.message ?? `HTTP ${response.status}`);
        }
        const blob = await response.blob();
        if (!live) return;
        url = URL.createObjectURL(blob);
        setBarcode({ state: "ready", url });
      })
      .catch((error: unknown) => {
        if (live) setBarcode({ state: "failed", message: String((error as Error).message ?? error) });
      });
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [code]);
  return barcode;
}
