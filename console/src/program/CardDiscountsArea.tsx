// Card discounts: what each DISCOUNT and CURRENT_DISCOUNT series gives its holders, and how
// a customer's DISCOUNT cards combine on one line (MANAGE_EARNING_RULES; the rules are in
// docs/card-discounts.md).
import { useState, type FormEvent } from "react";
import { useQuery } from "urql";
import {
  CardDiscountsDocument,
  SetCardDiscountPolicyDocument,
  SetCardSeriesDiscountDocument,
  type CardCombineMode,
  type CardDiscountScope,
  type CardDiscountsQuery,
  type CurrentDiscountMode,
  type SetCardDiscountPolicyMutation,
  type SetCardSeriesDiscountMutation,
} from "../generated/graphql";
import { formatMoney } from "../ui/format";
import { Checkbox, Field, FormErrors, Select, errorFor } from "../ui/forms";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { Panel, Saved, Settings } from "./fields";
import { Checks, bpText, formatBp, moneyText, parseList } from "./parse";
import { useSave } from "./useSave";

type Series = CardDiscountsQuery["cardSeriesDiscounts"][number];
type Policy = CardDiscountsQuery["cardDiscountPolicy"];
const policyPayload = (data: SetCardDiscountPolicyMutation) => data.setCardDiscountPolicy;
const seriesPayload = (data: SetCardSeriesDiscountMutation) => data.setCardSeriesDiscount;

export function CardDiscountsArea() {
  const [{ data, fetching, error }] = useQuery({ query: CardDiscountsDocument });
  if (!data) return fetching ? <Loading /> : <RequestError error={error} />;
  return (
    <>
      <PolicyForm policy={data.cardDiscountPolicy} />
      {data.cardSeriesDiscounts.length ? null : (
        <p className="hint">No DISCOUNT or CURRENT_DISCOUNT card series yet.</p>
      )}
      {data.cardSeriesDiscounts.map((series) =>
        series.type === "DISCOUNT" ? (
          <DiscountForm key={series.seriesId} series={series} />
        ) : (
          <CurrentForm key={series.seriesId} series={series} />
        ),
      )}
    </>
  );
}

function describePolicy(policy: Policy): string {
  return policy.mode === "ADDITIVE" ? `Additive, at most ${formatBp(policy.capBp)}` : "Best single";
}

function PolicyForm({ policy }: { policy: Policy }) {
  const [mode, setMode] = useState<CardCombineMode>(policy.mode);
  const [cap, setCap] = useState(bpText(policy.capBp));
  const { errors, requestError, saving, saved, save } = useSave(
    SetCardDiscountPolicyDocument,
    policyPayload,
  );
  function submit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks();
    const capBp = mode === "ADDITIVE" ? checks.percent("capBp", cap) : 10000;
    void save({ mode, capBp }, checks.errors);
  }
  return (
    <Panel
      title="Several discount cards on one line"
      description="Best single: the largest card percentage. Additive: the cards' percentages added, at most the cap."
    >
      <Settings items={[["In force", describePolicy(policy)]]} />
      <form onSubmit={submit} noValidate aria-label="Combining discount cards">
        <div className="form-grid">
          <Select
            label="Combine"
            value={mode}
            onChange={(e) => setMode(e.target.value as CardCombineMode)}
            options={[
              { value: "BEST_SINGLE", label: "Best single card" },
              { value: "ADDITIVE", label: "Additive, up to a cap" },
            ]}
          />
          {mode === "ADDITIVE" ? (
            <Field
              label="Cap (% of the line)"
              inputMode="decimal"
              value={cap}
              onChange={(e) => setCap(e.target.value)}
              error={errorFor(errors, "capBp")}
            />
          ) : null}
        </div>
        <FormErrors errors={errors} fields={["capBp"]} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Save combining
          </button>
          <Saved show={saved !== null} />
        </div>
      </form>
    </Panel>
  );
}

function DiscountForm({ series }: { series: Series }) {
  const terms = series.discount;
  const [percent, setPercent] = useState(bpText(terms?.percentBp));
  const [scope, setScope] = useState<CardDiscountScope>(terms?.scope ?? "ALL");
  const [keys, setKeys] = useState(
    (terms?.scope === "SKUS" ? terms.skus : (terms?.productLines ?? [])).join(", "),
  );
  const [discounted, setDiscounted] = useState(terms?.includeDiscounted ?? false);
  const { errors, requestError, saving, saved, save } = useSave(
    SetCardSeriesDiscountDocument,
    seriesPayload,
  );
  function submit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks();
    const percentBp = checks.percent("discount.percentBp", percent);
    const listed = parseList(keys);
    const discount = {
      percentBp,
      scope,
      skus: scope === "SKUS" ? listed : [],
      productLines: scope === "PRODUCT_LINES" ? listed : [],
      includeDiscounted: discounted,
    };
    void save({ seriesId: series.seriesId, discount }, checks.errors);
  }
  const keysField = scope === "SKUS" ? "discount.skus" : "discount.productLines";
  return (
    <Panel title={`${series.name} (discount card)`}>
      <form onSubmit={submit} noValidate aria-label={`Discount of ${series.name}`}>
        <div className="form-grid">
          <Field
            label="Discount (%)"
            inputMode="decimal"
            value={percent}
            onChange={(e) => setPercent(e.target.value)}
            error={errorFor(errors, "discount.percentBp")}
          />
          <Select
            label="Applies to"
            value={scope}
            onChange={(e) => setScope(e.target.value as CardDiscountScope)}
            options={[
              { value: "ALL", label: "Every product" },
              { value: "SKUS", label: "These SKUs" },
              { value: "PRODUCT_LINES", label: "These product lines" },
            ]}
          />
          {scope === "ALL" ? null : (
            <Field
              label={scope === "SKUS" ? "SKUs (comma-separated)" : "Product lines (comma-separated)"}
              value={keys}
              onChange={(e) => setKeys(e.target.value)}
              error={errorFor(errors, keysField)}
            />
          )}
        </div>
        <Checkbox
          label="Also on lines the shop already discounted"
          checked={discounted}
          onChange={(e) => setDiscounted(e.target.checked)}
        />
        <FormErrors errors={errors} fields={["discount.percentBp", keysField]} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Save {series.name}
          </button>
          <Saved show={saved !== null} />
        </div>
      </form>
    </Panel>
  );
}

/** "50.00: 5, 150.00: 10" (in a EUR shop) -> bands; the problems named like the API's. */
function readBands(checks: Checks, text: string) {
  return parseList(text).map((band, i) => {
    const [from = "", percent = ""] = band.split(":");
    return {
      fromMinor: checks.money(`currentDiscount.bands.${i}.fromMinor`, from),
      percentBp: checks.percent(`currentDiscount.bands.${i}.percentBp`, percent),
    };
  });
}

function bandsText(series: Series): string {
  const bands = series.currentDiscount?.bands ?? [];
  return bands.map((b) => `${moneyText(b.fromMinor)}: ${bpText(b.percentBp)}`).join(", ");
}

function CurrentForm({ series }: { series: Series }) {
  const terms = series.currentDiscount;
  const [mode, setMode] = useState<CurrentDiscountMode>(terms?.mode ?? "BANDS");
  const [percent, setPercent] = useState(bpText(terms?.percentBp));
  const [bands, setBands] = useState(bandsText(series));
  const [days, setDays] = useState(String(terms?.validDays ?? 30));
  const { errors, requestError, saving, saved, save } = useSave(
    SetCardSeriesDiscountDocument,
    seriesPayload,
  );
  function submit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks();
    const currentDiscount = {
      mode,
      validDays: checks.whole("currentDiscount.validDays", days, "a number of days"),
      percentBp:
        mode === "PERCENT_OF_AMOUNT" ? checks.percent("currentDiscount.percentBp", percent) : null,
      bands: mode === "BANDS" ? readBands(checks, bands) : [],
    };
    void save({ seriesId: series.seriesId, currentDiscount }, checks.errors);
  }
  const inForce = terms?.bands.length
    ? terms.bands.map((b) => `${formatBp(b.percentBp)} from ${formatMoney(b.fromMinor)}`).join(", ")
    : terms?.percentBp
      ? `${formatBp(terms.percentBp)} of the sale, as money off`
      : "Not set";
  const described = terms ? `${inForce}; valid ${terms.validDays} days` : inForce;
  return (
    <Panel
      title={`${series.name} (current-discount card)`}
      description="Each sale gives its holder a discount for the next purchase, used once, cancelled if that sale is refunded."
    >
      <Settings items={[["In force", described]]} />
      <form onSubmit={submit} noValidate aria-label={`Current discount of ${series.name}`}>
        <div className="form-grid">
          <Select
            label="The next purchase gets"
            value={mode}
            onChange={(e) => setMode(e.target.value as CurrentDiscountMode)}
            options={[
              { value: "BANDS", label: "A percentage by the sale's amount" },
              { value: "PERCENT_OF_AMOUNT", label: "A percentage of the sale, as money off" },
            ]}
          />
          {mode === "BANDS" ? (
            <Field
              label="Bands (from amount: %, ...)"
              value={bands}
              placeholder={`${moneyText(5000)}: 5, ${moneyText(15000)}: 10`}
              onChange={(e) => setBands(e.target.value)}
              error={errorFor(errors, "currentDiscount.bands")}
            />
          ) : (
            <Field
              label="Of the sale (%)"
              inputMode="decimal"
              value={percent}
              onChange={(e) => setPercent(e.target.value)}
              error={errorFor(errors, "currentDiscount.percentBp")}
            />
          )}
          <Field
            label="Valid for (days)"
            inputMode="numeric"
            value={days}
            onChange={(e) => setDays(e.target.value)}
            error={errorFor(errors, "currentDiscount.validDays")}
          />
        </div>
        <FormErrors
          errors={errors}
          fields={["currentDiscount.percentBp", "currentDiscount.validDays", "currentDiscount.bands"]}
        />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Save {series.name}
          </button>
          <Saved show={saved !== null} />
        </div>
      </form>
    </Panel>
  );
}
