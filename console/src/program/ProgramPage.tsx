// The Program page: a side list of the program's areas (earning, categories and tiers,
// redemption, ...) and the area chosen, each showing its settings and the forms to change
// them to the roles that may.
import { Navigate, NavLink, Route, Routes } from "react-router";
import { useSession } from "../app/session";
import type { Area } from "./areas";
import { ActionsArea } from "./ActionsArea";
import { BadgesArea } from "./BadgesArea";
import { CardDiscountsArea } from "./CardDiscountsArea";
import { CardSeriesArea } from "./CardSeriesArea";
import { CategoriesArea } from "./CategoriesArea";
import { CustomerAreaArea } from "./CustomerAreaArea";
import { EarningRulesArea } from "./EarningRulesArea";
import { ExpiryArea } from "./ExpiryArea";
import { GiftsArea } from "./GiftsArea";
import { PriceRulesArea } from "./PriceRulesArea";
import { PromotionsArea } from "./PromotionsArea";
import { RedemptionArea } from "./RedemptionArea";
import { RewardsArea } from "./RewardsArea";
import { VouchersArea } from "./VouchersArea";
import "./program.css";

const ENGAGEMENT = "MANAGE_ENGAGEMENT";

export const AREAS: Area[] = [
  {
    path: "earning",
    label: "Earning rules",
    summary: "How purchases earn points, and the products that earn differently.",
    anyOf: ["MANAGE_EARNING_RULES"],
    component: EarningRulesArea,
  },
  {
    path: "categories",
    label: "Categories & tiers",
    summary: "Categories multiply what customers earn; tier rules place customers in them.",
    anyOf: ["MANAGE_CATEGORIES", ENGAGEMENT],
    component: CategoriesArea,
  },
  {
    path: "redemption",
    label: "Redemption",
    summary: "What points are worth at checkout, what they may pay for, and points into vouchers.",
    anyOf: ["MANAGE_REDEMPTION_RULES"],
    component: RedemptionArea,
  },
  {
    path: "expiry",
    label: "Expiry",
    summary: "How long earned points stay valid.",
    anyOf: [ENGAGEMENT],
    component: ExpiryArea,
  },
  {
    path: "actions",
    label: "Actions that earn",
    summary: "Fixed points for registering, signing up to the newsletter and writing reviews.",
    anyOf: [ENGAGEMENT],
    component: ActionsArea,
  },
  {
    path: "promotions",
    label: "Promotions",
    summary: "Time windows that multiply what purchases earn.",
    anyOf: [ENGAGEMENT],
    component: PromotionsArea,
  },
  {
    path: "badges",
    label: "Badges",
    summary: "Badges customers hold while their points lie in a range.",
    anyOf: [ENGAGEMENT],
    component: BadgesArea,
  },
  {
    path: "price-rules",
    label: "Price rules",
    summary: "Conditional discounts and member prices.",
    anyOf: [ENGAGEMENT],
    component: PriceRulesArea,
  },
  {
    path: "card-discounts",
    label: "Card discounts",
    summary: "What discount and current-discount cards give, and how several combine.",
    anyOf: ["MANAGE_EARNING_RULES"],
    component: CardDiscountsArea,
  },
  {
    path: "rewards",
    label: "Rewards",
    summary: "The catalogue customers claim with their points.",
    anyOf: ["MANAGE_REWARDS"],
    component: RewardsArea,
  },
  {
    path: "vouchers",
    label: "Voucher batches",
    summary: "Batches of codes for campaigns, their codes and their CSV.",
    anyOf: ["MANAGE_VOUCHERS"],
    component: VouchersArea,
  },
  {
    path: "card-series",
    label: "Card series",
    summary: "The kinds of card issued, how their codes are made, and their cards as CSV for the printer.",
    anyOf: ["MANAGE_CARD_SERIES"],
    component: CardSeriesArea,
  },
  {
    path: "gifts",
    label: "Gift schedules",
    summary: "Points given on a schedule to the customers who match.",
    anyOf: [ENGAGEMENT],
    component: GiftsArea,
  },
  {
    path: "customer-area",
    label: "Customer area",
    summary: "The introduction at the top of the customer area.",
    anyOf: [ENGAGEMENT],
    component: CustomerAreaArea,
  },
];

export default function ProgramPage() {
  const { can } = useSession();
  const areas = AREAS.filter((area) => area.anyOf.some(can));
  return (
    <div className="program">
      <h1>Program</h1>
      <div className="program-layout">
        <nav className="program-nav" aria-label="Program areas">
          <ul>
            {areas.map((area) => (
              <li key={area.path}>
                <NavLink to={`/program/${area.path}`}>{area.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="program-area">
          <Routes>
            {areas.map((area) => (
              <Route
                key={area.path}
                path={`${area.path}/*`}
                element={<AreaView area={area} />}
              />
            ))}
            <Route
              path="*"
              element={
                areas.length ? (
                  <Navigate to={`/program/${areas[0].path}`} replace />
                ) : (
                  <p role="status">Your role may change nothing in the program.</p>
                )
              }
            />
          </Routes>
        </div>
      </div>
    </div>
  );
}

function AreaView({ area }: { area: Area }) {
  const Component = area.component;
  return (
    <section aria-labelledby="program-area-title">
      <h2 id="program-area-title">{area.label}</h2>
      <p className="area-summary">{area.summary}</p>
      <Component />
    </section>
  );
}
