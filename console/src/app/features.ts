// The console's pages: each feature folder exports its page, loaded on first visit so the
// first page stays small; the navigation shows a page only to roles holding its permission.
import { lazy, type ComponentType, type LazyExoticComponent } from "react";

export type Feature = {
  path: string;
  label: string;
  /** The page shows when the role holds any of these. */
  anyOf: string[];
  page: LazyExoticComponent<ComponentType>;
};

// Each feature adds its entry here, in the navigation's order.
export const FEATURES: Feature[] = [
  {
    path: "messages",
    label: "Messages",
    anyOf: ["MANAGE_NOTIFICATIONS"],
    page: lazy(() => import("../messages/MessagesPage")),
  },
];

export function allowed(feature: Feature, can: (permission: string) => boolean): boolean {
  return feature.anyOf.some(can);
}
