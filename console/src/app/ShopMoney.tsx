// The shop's currency, read once after sign-in and before any page shows: every amount the
// console shows or takes is in it (ui/format.ts), so a JPY shop's 1250 is ¥1,250, not €12.50.
import type { ReactNode } from "react";
import { useQuery } from "urql";
import { ShopDocument } from "../generated/graphql";
import { setShopMoney } from "../ui/format";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";

export function ShopMoney({ children }: { children: ReactNode }) {
  const [{ data, error }] = useQuery({ query: ShopDocument });
  const shop = data?.shop;
  if (!shop) return error ? <RequestError error={error} /> : <Loading what="Opening the console" />;
  // Set before the pages render (they read it while rendering); the same values every time.
  setShopMoney({ currency: shop.currency, digits: shop.currencyDigits });
  return <>{children}</>;
}
