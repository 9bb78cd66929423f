// The customer area's introduction: the text at the top of what a customer sees
// (MANAGE_ENGAGEMENT).
import { useState, type FormEvent } from "react";
import { useQuery } from "urql";
import {
  CustomerAreaDocument,
  UpdateCustomerAreaDocument,
  type CustomerAreaQuery,
  type UpdateCustomerAreaMutation,
} from "../generated/graphql";
import { errorFor, FormErrors, TextArea } from "../ui/forms";
import { formatDate } from "../ui/format";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { Panel, Saved } from "./fields";
import { useSave } from "./useSave";

const MAX = 10_000;
const payload = (data: UpdateCustomerAreaMutation) => data.updateCustomerArea;

export function CustomerAreaArea() {
  const [{ data, fetching, error }] = useQuery({ query: CustomerAreaDocument });
  if (!data) return fetching ? <Loading /> : <RequestError error={error} />;
  return <IntroductionForm area={data.customerArea} />;
}

function IntroductionForm({ area }: { area: CustomerAreaQuery["customerArea"] }) {
  const [text, setText] = useState(area.introduction ?? "");
  const { errors, requestError, saving, saved, save } = useSave(UpdateCustomerAreaDocument, payload);

  function submit(event: FormEvent) {
    event.preventDefault();
    const problems =
      text.length > MAX
        ? [{ field: "introduction", code: "OUT_OF_RANGE", message: `At most ${MAX.toLocaleString()} characters.` }]
        : [];
    void save({ introduction: text.trim() ? text : null }, problems);
  }

  return (
    <Panel
      title="Introduction"
      description="Plain text or Markdown shown at the top of the customer area; the app escapes it. Leave it blank to remove it."
    >
      <p className="hint">
        {area.introduction
          ? `Shown now${area.updatedAt ? `, last changed ${formatDate(area.updatedAt)}` : ""}.`
          : "No introduction is shown now."}
      </p>
      <form onSubmit={submit} noValidate aria-label="Customer area introduction">
        <TextArea
          label="Introduction"
          rows={10}
          value={text}
          onChange={(e) => setText(e.target.value)}
          error={errorFor(errors, "introduction")}
          hint={`${text.length.toLocaleString()} of ${MAX.toLocaleString()} characters.`}
        />
        <FormErrors errors={errors} fields={["introduction"]} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Save introduction
          </button>
          <Saved show={saved !== null} />
        </div>
      </form>
    </Panel>
  );
}
