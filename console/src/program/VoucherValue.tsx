// What a voucher gives (a batch's codes, a reward's voucher): its kind and the one value the
// kind uses, as form fields and as the API's input.
import type { VoucherKind } from "../generated/graphql";
import { moneyText } from "../ui/format";
import { Field, Select, errorFor, type UserError } from "../ui/forms";
import { VOUCHER_KINDS } from "./describe";
import type { Checks } from "./parse";

const VALUE_FIELD: Record<VoucherKind, "valueMinor" | "percentBp" | "giftSku"> = {
  FIXED_AMOUNT: "valueMinor",
  PERCENT: "percentBp",
  GIFT_ITEM: "giftSku",
};

/** The input's value fields for `kind` from what was typed (problems named `prefix`+field). */
export function voucherValue(
  checks: Checks,
  kind: VoucherKind,
  text: string,
  prefix = "",
): { valueMinor?: number; percentBp?: number; giftSku?: string } {
  const field = prefix + VALUE_FIELD[kind];
  switch (kind) {
    case "FIXED_AMOUNT":
      return { valueMinor: checks.money(field, text) };
    case "PERCENT":
      return { percentBp: checks.percent(field, text) };
    case "GIFT_ITEM":
      return { giftSku: checks.required(field, text, "the SKU of the free product") };
  }
}

export function voucherValueFields(kind: VoucherKind, prefix = ""): string[] {
  return [`${prefix}kind`, prefix + VALUE_FIELD[kind]];
}

export function VoucherValueFields({
  kinds,
  kind,
  onKind,
  value,
  onValue,
  errors,
  prefix = "",
}: {
  kinds: VoucherKind[];
  kind: VoucherKind;
  onKind: (kind: VoucherKind) => void;
  value: string;
  onValue: (value: string) => void;
  errors: readonly UserError[];
  prefix?: string;
}) {
  const field = prefix + VALUE_FIELD[kind];
  return (
    <>
      {kinds.length > 1 ? (
        <Select
          label="Voucher gives"
          value={kind}
          onChange={(e) => onKind(e.target.value as VoucherKind)}
          options={VOUCHER_KINDS.filter((k) => kinds.includes(k.value))}
          error={errorFor(errors, `${prefix}kind`)}
        />
      ) : null}
      <Field
        label={
          kind === "FIXED_AMOUNT" ? "Amount off" : kind === "PERCENT" ? "Percent off" : "Free product (SKU)"
        }
        inputMode={kind === "GIFT_ITEM" ? undefined : "decimal"}
        value={value}
        onChange={(e) => onValue(e.target.value)}
        error={errorFor(errors, field)}
        hint={
          kind === "FIXED_AMOUNT"
            ? `E.g. ${moneyText(500)}.`
            : kind === "PERCENT"
              ? "Of the cart, e.g. 10."
              : "One unit of it is free."
        }
        autoComplete="off"
      />
    </>
  );
}
