// Card series: the kinds of card the shop issues (points, discount, next-visit discount,
// prize) and how their codes are made (prefix, check digit, length); a series' cards as CSV
// for the card printer. Changed with MANAGE_CARD_SERIES.
import { useState, type FormEvent } from "react";
import { useQuery } from "urql";
import {
  CardSeriesListDocument,
  CreateCardSeriesDocument,
  UpdateCardSeriesDocument,
  type CardCheckDigit,
  type CardSeriesListQuery,
  type CardType,
  type CreateCardSeriesMutation,
  type UpdateCardSeriesMutation,
} from "../generated/graphql";
import { cardTypeLabel } from "../ui/cards";
import { downloadFile } from "../ui/download";
import { Checkbox, errorFor, Field, FormErrors, Select, type UserError } from "../ui/forms";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { Panel, Saved } from "./fields";
import { newKey, useSave } from "./useSave";

type Series = CardSeriesListQuery["cardSeries"][number];
const SERIES = { additionalTypenames: ["CardSeries"] };
const TYPES: CardType[] = ["POINTS", "DISCOUNT", "CURRENT_DISCOUNT", "PRIZE"];
const CHECK_DIGITS: { value: CardCheckDigit; label: string }[] = [
  { value: "NONE", label: "None" },
  { value: "EAN13", label: "EAN-13 (13 digits)" },
  { value: "LUHN", label: "Luhn (any length)" },
];

export function CardSeriesArea() {
  const [list] = useQuery({ query: CardSeriesListDocument, context: SERIES });
  if (!list.data) return list.fetching ? <Loading /> : <RequestError error={list.error} />;
  const series = list.data.cardSeries;
  return (
    <>
      <Panel title="Series">
        <SeriesTable series={series} />
      </Panel>
      <CreateSeriesForm />
      {series.length ? <UpdateSeriesForm key={series.map((s) => s.id).join()} series={series} /> : null}
    </>
  );
}

function SeriesTable({ series }: { series: Series[] }) {
  const [problem, setProblem] = useState<string | null>(null);
  async function download(s: Series) {
    setProblem(null);
    try {
      await downloadFile(`/cards/series/${s.id}.csv`, `card-series-${s.id}.csv`);
    } catch (error) {
      setProblem(`The cards of ${s.name} could not be downloaded: ${(error as Error).message}`);
    }
  }
  if (!series.length) return <p className="empty">No series yet: make the first below.</p>;
  return (
    <>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Codes</th>
              <th scope="col">Status</th>
              <th scope="col">Cards</th>
            </tr>
          </thead>
          <tbody>
            {series.map((s) => (
              <tr key={s.id}>
                <td>{s.name}</td>
                <td>{cardTypeLabel(s.type)}</td>
                <td>{describeCodes(s)}</td>
                <td>{s.active ? "Issuing" : "Closed"}</td>
                <td>
                  <button type="button" className="secondary" onClick={() => void download(s)} aria-label={`CSV of the cards of ${s.name}`}>
                    CSV
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {problem ? (
        <p className="request-error" role="alert">
          {problem}
        </p>
      ) : null}
    </>
  );
}

function describeCodes(s: Series): string {
  const digit = s.checkDigit === "NONE" ? "no check digit" : `${s.checkDigit === "EAN13" ? "EAN-13" : "Luhn"} check digit`;
  const length = s.codeLength ? `${s.codeLength} characters` : "codes given by hand";
  return [s.prefix ? `prefix ${s.prefix}` : null, length, digit, s.codeLength ? `next number ${s.nextNumber}` : null]
    .filter(Boolean)
    .join(", ");
}

/** A code length typed in the form: empty (none), or a whole number. */
function parseLength(text: string, problems: UserError[]): number | null {
  if (!text.trim()) return null;
  if (!/^\d+$/.test(text.trim())) {
    problems.push({ field: "codeLength", code: "INVALID", message: "A whole number of characters." });
    return null;
  }
  return Number(text.trim());
}

const createPayload = (data: CreateCardSeriesMutation) => data.createCardSeries;

function CreateSeriesForm() {
  const [name, setName] = useState("");
  const [type, setType] = useState<CardType>("POINTS");
  const [prefix, setPrefix] = useState("");
  const [checkDigit, setCheckDigit] = useState<CardCheckDigit>("NONE");
  const [length, setLength] = useState("");
  const [key, setKey] = useState(newKey);
  const { errors, requestError, saving, saved, save } = useSave(CreateCardSeriesDocument, createPayload);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems: UserError[] = [];
    if (!name.trim()) problems.push({ field: "name", code: "REQUIRED", message: "Give the series a name." });
    const codeLength = parseLength(length, problems);
    const input = { name: name.trim(), type, prefix: prefix.trim(), checkDigit, codeLength, idempotencyKey: key };
    if (await save({ input }, problems)) {
      setName("");
      setPrefix("");
      setLength("");
      setKey(newKey());
    }
  }

  return (
    <Panel title="Add a series" description="A card's type never changes; its discount settings are set apart.">
      <form onSubmit={submit} noValidate aria-label="Add a card series">
        <div className="form-grid">
          <Field label="Name" value={name} onChange={(e) => setName(e.target.value)} error={errorFor(errors, "name")} autoComplete="off" />
          <Select
            label="Type"
            value={type}
            onChange={(e) => setType(e.target.value as CardType)}
            options={TYPES.map((t) => ({ value: t, label: cardTypeLabel(t) }))}
          />
          <Field label="Prefix" value={prefix} onChange={(e) => setPrefix(e.target.value)} error={errorFor(errors, "prefix")} autoComplete="off" hint="Digits only before a check digit, e.g. 290." />
          <Select
            label="Check digit"
            value={checkDigit}
            onChange={(e) => setCheckDigit(e.target.value as CardCheckDigit)}
            options={CHECK_DIGITS}
          />
          <Field label="Code length" inputMode="numeric" value={length} onChange={(e) => setLength(e.target.value)} error={errorFor(errors, "codeLength")} hint="With the check digit; empty: codes are given, not generated (EAN-13: 13)." />
        </div>
        <FormErrors errors={errors} fields={["name", "prefix", "codeLength"]} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Add series
          </button>
          <Saved show={saved !== null}>
            {saved?.createCardSeries.series ? `${saved.createCardSeries.series.name} was added.` : null}
          </Saved>
        </div>
      </form>
    </Panel>
  );
}

const updatePayload = (data: UpdateCardSeriesMutation) => data.updateCardSeries;

function UpdateSeriesForm({ series }: { series: Series[] }) {
  const first = series[0];
  const [id, setId] = useState(first.id);
  const [name, setName] = useState(first.name);
  const [prefix, setPrefix] = useState(first.prefix);
  const [length, setLength] = useState(first.codeLength ? String(first.codeLength) : "");
  const [active, setActive] = useState(first.active);
  const { errors, requestError, saving, saved, save, reset } = useSave(UpdateCardSeriesDocument, updatePayload);

  function choose(next: string) {
    const s = series.find((item) => item.id === next);
    if (!s) return;
    setId(s.id);
    setName(s.name);
    setPrefix(s.prefix);
    setLength(s.codeLength ? String(s.codeLength) : "");
    setActive(s.active);
    reset();
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const problems: UserError[] = [];
    if (!name.trim()) problems.push({ field: "name", code: "REQUIRED", message: "Give the series a name." });
    const codeLength = parseLength(length, problems);
    void save({ input: { id, name: name.trim(), prefix: prefix.trim(), codeLength, active } }, problems);
  }

  return (
    <Panel title="Change a series">
      <form onSubmit={submit} noValidate aria-label="Change a card series">
        <div className="form-grid">
          <Select label="Series" value={id} onChange={(e) => choose(e.target.value)} options={series.map((s) => ({ value: s.id, label: s.name }))} />
          <Field label="New name" value={name} onChange={(e) => setName(e.target.value)} error={errorFor(errors, "name")} autoComplete="off" />
          <Field label="New prefix" value={prefix} onChange={(e) => setPrefix(e.target.value)} error={errorFor(errors, "prefix")} autoComplete="off" />
          <Field label="New code length" inputMode="numeric" value={length} onChange={(e) => setLength(e.target.value)} error={errorFor(errors, "codeLength")} />
        </div>
        <Checkbox label="Issuing cards" checked={active} onChange={(e) => setActive(e.target.checked)} hint="Closed series issue no new cards; their cards keep working." />
        <FormErrors errors={errors} fields={["name", "prefix", "codeLength"]} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Save series
          </button>
          <Saved show={saved !== null} />
        </div>
      </form>
    </Panel>
  );
}
