// What the parts of the till share: the sale, its keys, its priced cart and where the
// keyboard goes next. One till page holds one; nothing outside the till uses it.
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
  type Dispatch,
} from "react";
import type { CartLineInput } from "../generated/graphql";
import type { PricedCart, SaleTotals } from "./cart";
import type { IdempotencyKeys } from "./idempotency";
import type { Sale, SaleAction } from "./sale";

/** The ids of the controls the keyboard moves between (and the shortcuts focus). */
export const CONTROL = {
  card: "till-card",
  sku: "till-sku",
  voucher: "till-voucher",
  points: "till-points",
  capture: "till-capture",
  record: "till-record",
  refundOrder: "till-refund-order",
} as const;

export type Till = {
  sale: Sale;
  dispatch: Dispatch<SaleAction>;
  keys: IdempotencyKeys;
  /** The cart priced for the customer, when the price answers for the lines as they are. */
  priced: PricedCart | undefined;
  /** The cart at member prices, sent by every payment and by the sale itself. */
  member: CartLineInput[] | null;
  totals: SaleTotals;
  /** Focus this control once it is on the page and enabled. */
  focus: (id: string) => void;
  /** Whether the keyboard is waiting for this control. */
  waitingFor: (id: string) => boolean;
};

export const TillContext = createContext<Till | null>(null);

export function useTill(): Till {
  const till = useContext(TillContext);
  if (!till) throw new Error("useTill outside the till");
  return till;
}

/** `value`, once it has stopped changing for `delayMs`. */
export function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), delayMs);
    return () => window.clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

/**
 * focus(id) moves the keyboard to a control that may appear only after the next render or
 * the server's next answer: it waits (two seconds at most) until the control is on the page
 * and enabled. The request is state, committed with the changes made alongside it, so the
 * search starts once the controls they replace are gone. waitingFor(id) says whether a
 * control is still awaited, so a part that will not show it can send the keyboard on.
 */
export function useFocusManager(): {
  focus: (id: string) => void;
  waitingFor: (id: string) => boolean;
} {
  const [request, setRequest] = useState<{ id: string; seq: number } | null>(null);
  const pending = useRef<string | null>(null);
  useEffect(() => {
    if (!request) return;
    const until = performance.now() + 2000;
    let frame = 0;
    const tick = () => {
      const element = document.getElementById(request.id);
      if (element && !(element as HTMLButtonElement).disabled) {
        element.focus();
        if (element instanceof HTMLInputElement) element.select();
        pending.current = null;
        return;
      }
      if (performance.now() > until) {
        pending.current = null;
        return;
      }
      frame = requestAnimationFrame(tick);
    };
    tick();
    return () => cancelAnimationFrame(frame);
  }, [request]);
  const focus = useCallback((id: string) => {
    pending.current = id;
    setRequest((last) => ({ id, seq: (last?.seq ?? 0) + 1 }));
  }, []);
  const waitingFor = useCallback((id: string) => pending.current === id, []);
  return { focus, waitingFor };
}
