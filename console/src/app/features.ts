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

// In the navigation's order.
export const FEATURES: Feature[] = [
  {
    path: "till",
    label: "Till",
    anyOf: ["RECORD_PURCHASES"],
    page: lazy(() => import("../till/TillPage")),
  },
  {
    path: "customers",
    label: "Customers",
    anyOf: ["VIEW_CUSTOMERS"],
    page: lazy(() => import("../customers/CustomersPage")),
  },
  {
    path: "program",
    label: "Program",
    anyOf: [
      "MANAGE_EARNING_RULES",
      "MANAGE_REDEMPTION_RULES",
      "MANAGE_CATEGORIES",
      "MANAGE_ENGAGEMENT",
      "MANAGE_REWARDS",
      "MANAGE_VOUCHERS",
      "MANAGE_CARD_SERIES",
    ],
    page: lazy(() => import("../program/ProgramPage")),
  },
  {
    path: "funnels",
    label: "Funnels",
    anyOf: ["MANAGE_FUNNELS"],
    page: lazy(() => import("../funnels/FunnelsPage")),
  },
  {
    path: "messages",
    label: "Messages",
    anyOf: ["MANAGE_NOTIFICATIONS"],
    page: lazy(() => import("../messages/MessagesPage")),
  },
  {
    path: "reports",
    label: "Reports",
    anyOf: ["READ_REPORTS"],
    page: lazy(() => import("../reports/ReportsPage")),
  },
  {
    path: "integrations",
    label: "Integrations",
    anyOf: ["MANAGE_INTEGRATIONS"],
    page: lazy(() => import("../integrations/IntegrationsPage")),
  },
  {
    path: "insights",
    label: "Insights",
    anyOf: ["READ_REPORTS"],
    page: lazy(() => import("../reports/BiPage")),
  },
];

export function allowed(feature: Feature, can: (permission: string) => boolean): boolean {
  return feature.anyOf.some(can);
}
