// Reserving a batch's code for a customer (MANAGE_VOUCHERS): the code then shows among
// their vouchers.
import { useState, type FormEvent } from "react";
import { AssignVoucherDocument, type AssignVoucherMutation } from "../generated/graphql";
import { Field, FormErrors, errorFor } from "../ui/forms";
import { RequestError } from "../ui/RequestError";
import { Panel, Saved } from "./fields";
import { Checks } from "./parse";
import { useSave } from "./useSave";

const assignPayload = (data: AssignVoucherMutation) => data.assignVoucher;

export function AssignForm() {
  const [code, setCode] = useState("");
  const [customerId, setCustomerId] = useState("");
  const { errors, requestError, saving, saved, save } = useSave(AssignVoucherDocument, assignPayload);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks();
    const input = {
      code: checks.required("code", code, "a code"),
      customerId: checks.required("customerId", customerId, "the customer's id"),
    };
    if (await save({ input }, checks.errors)) {
      setCode("");
      setCustomerId("");
    }
  }

  const assigned = saved?.assignVoucher.voucher;
  return (
    <Panel
      title="Reserve a code for a customer"
      description="Only that customer may then redeem it (before you send it by email or SMS)."
    >
      <form onSubmit={submit} noValidate aria-label="Reserve a code for a customer">
        <div className="form-grid">
          <Field
            label="Code"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            error={errorFor(errors, "code")}
            autoComplete="off"
          />
          <Field
            label="Customer id"
            inputMode="numeric"
            value={customerId}
            onChange={(e) => setCustomerId(e.target.value)}
            error={errorFor(errors, "customerId")}
            autoComplete="off"
          />
        </div>
        <FormErrors errors={errors} fields={["code", "customerId"]} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Reserve code
          </button>
          <Saved show={Boolean(assigned)}>
            {assigned ? `${assigned.code} is reserved for customer #${assigned.customerId}.` : null}
          </Saved>
        </div>
      </form>
    </Panel>
  );
}
