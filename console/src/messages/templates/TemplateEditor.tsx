// Writing a template: its settings, a translation per locale with the channel's parts, the
// shortcode palette, and beside them the live preview for a chosen customer and the test
// send. A new template is created (version 1); each save of an existing one is a version.
import { useCallback, useMemo, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { useMutation } from "urql";
import {
  CreateMessageTemplateDocument,
  UpdateMessageTemplateDocument,
  type MessageChannel,
  type MessagePurpose,
} from "../../generated/graphql";
import { Field, FormErrors, Select, errorFor, type UserError } from "../../ui/forms";
import { RequestError } from "../../ui/RequestError";
import type { PickedCustomer } from "../CustomerPicker";
import { newKey } from "../hooks";
import { CHANNELS, CHANNEL_LABEL, PURPOSE_LABEL } from "../labels";
import {
  PARTS,
  canonicalLocale,
  emptyTranslation,
  mainPart,
  partField,
  translationInput,
  type Part,
  type TemplateDraft,
  type TranslationDraft,
} from "./draft";
import { PartField } from "./PartField";
import { PreviewPanel } from "./PreviewPanel";
import { fieldLabel, type TemplateProblem } from "./problems";
import { ShortcodePalette } from "./ShortcodePalette";
import { TestSend } from "./TestSend";
import { useInsertion } from "./useInsertion";

type Props = {
  /** Null: a new template. */
  templateId: string | null;
  initial: TemplateDraft;
  /** The version opened (null for a new template). */
  version: number | null;
  savedBy?: string;
  /** Shown once, e.g. "Template created (version 1)." */
  notice?: string;
};

export function TemplateEditor({ templateId, initial, version: openedVersion, savedBy, notice: firstNotice }: Props) {
  const navigate = useNavigate();
  const [draft, setDraft] = useState<TemplateDraft>(initial);
  const [snapshot, setSnapshot] = useState(() => JSON.stringify(initial));
  const [version, setVersion] = useState(openedVersion);
  const [active, setActive] = useState(initial.fallbackLocale || initial.translations[0]?.locale || "");
  const [saveErrors, setSaveErrors] = useState<UserError[]>([]);
  const [problems, setProblems] = useState<TemplateProblem[]>([]);
  const [notice, setNotice] = useState(firstNotice ?? "");
  const [customer, setCustomer] = useState<PickedCustomer | null>(null);
  const [previewLocale, setPreviewLocale] = useState("");
  const createKey = useRef(newKey("template"));
  const [created, create] = useMutation(CreateMessageTemplateDocument);
  const [updated, update] = useMutation(UpdateMessageTemplateDocument);
  const saving = created.fetching || updated.fetching;
  const unsaved = JSON.stringify(draft) !== snapshot;
  const translation = draft.translations.find((t) => t.locale === active) ?? draft.translations[0];

  const change = useCallback((next: (d: TemplateDraft) => TemplateDraft) => {
    setDraft(next);
    setNotice("");
    // The live preview names the template's problems from now on; the save's stay for the rest.
    setSaveErrors((errors) => errors.filter((e) => !e.field?.startsWith("translations.")));
  }, []);

  const writePart = useCallback(
    (key: string, value: string) => {
      const [locale, part] = splitKey(key);
      change((d) => ({
        ...d,
        translations: d.translations.map((t) => (t.locale === locale ? { ...t, [part]: value } : t)),
      }));
    },
    [change],
  );
  const insertion = useInsertion(`${translation?.locale}.${mainPart(draft.channel)}`, writePart);

  const previewDraft = useMemo(
    () => ({
      channel: draft.channel,
      fallbackLocale: draft.fallbackLocale,
      translations: draft.translations.map((t) => translationInput(draft.channel, t)),
    }),
    [draft.channel, draft.fallbackLocale, draft.translations],
  );

  function errorOn(field: string): string | undefined {
    const saved = errorFor(saveErrors, field);
    if (saved) return saved;
    return problems.find((p) => p.field === field)?.message;
  }
  const faultyLocales = new Set(
    [...saveErrors.map((e) => e.field ?? ""), ...problems.map((p) => p.field)]
      .map((f) => /^translations\.([^.]+)\./.exec(f)?.[1])
      .filter((l): l is string => Boolean(l)),
  );

  async function save(event: FormEvent) {
    event.preventDefault();
    setNotice("");
    const translations = draft.translations.map((t) => translationInput(draft.channel, t));
    if (templateId === null) {
      const result = await create({
        input: {
          name: draft.name,
          channel: draft.channel,
          purpose: draft.purpose,
          fallbackLocale: draft.fallbackLocale,
          translations,
          idempotencyKey: createKey.current,
        },
      });
      const payload = result.data?.createMessageTemplate;
      if (!payload) return;
      setSaveErrors(payload.userErrors);
      if (payload.template && !payload.userErrors.length) {
        navigate(`/messages/templates/${payload.template.id}`, {
          state: { notice: `Template created (version ${payload.template.currentVersion}).` },
        });
      }
      return;
    }
    const result = await update({
      input: {
        id: templateId,
        name: draft.name,
        purpose: draft.purpose,
        fallbackLocale: draft.fallbackLocale,
        translations,
        expectedVersion: version,
      },
    });
    const payload = result.data?.updateMessageTemplate;
    if (!payload) return;
    setSaveErrors(payload.userErrors);
    if (payload.template && !payload.userErrors.length) {
      setVersion(payload.template.currentVersion);
      setSnapshot(JSON.stringify(draft));
      setNotice(`Saved as version ${payload.template.currentVersion}.`);
    }
  }

  const partFields = draft.translations.flatMap((t) => PARTS[draft.channel].map((p) => partField(t.locale, p.part)));
  const otherErrors = saveErrors.map((e) => ({ ...e, field: e.field ? fieldLabel(e.field, draft.channel) : e.field }));
  const shownFields = ["name", "purpose", "fallbackLocale", "channel", ...partFields].map((f) =>
    fieldLabel(f, draft.channel),
  );

  return (
    <div className="editor">
      <form className="card editor-form" onSubmit={save} noValidate>
        <div className="editor-head">
          <h2>{templateId === null ? "New template" : `Edit template: ${initial.name}`}</h2>
          {version !== null ? (
            <p className="hint">
              Version {version}
              {savedBy && version === openedVersion ? `, saved by ${savedBy}` : ""}
              {unsaved ? " · unsaved changes" : ""}
            </p>
          ) : null}
        </div>
        <div className="editor-settings">
          <Field
            label="Name"
            value={draft.name}
            maxLength={100}
            required
            error={errorFor(saveErrors, "name")}
            onChange={(e) => change((d) => ({ ...d, name: e.target.value }))}
          />
          {templateId === null ? (
            <Select
              label="Channel"
              value={draft.channel}
              options={CHANNELS.map((c) => ({ value: c, label: CHANNEL_LABEL[c] }))}
              onChange={(e) => change((d) => ({ ...d, channel: e.target.value as MessageChannel }))}
            />
          ) : (
            <div className="field">
              <span className="picker-label">Channel</span>
              <span className="static-value">{CHANNEL_LABEL[draft.channel]} (fixed once created)</span>
            </div>
          )}
          <Select
            label="Purpose"
            value={draft.purpose}
            options={(["MARKETING", "TRANSACTIONAL"] as MessagePurpose[]).map((p) => ({
              value: p,
              label: PURPOSE_LABEL[p],
            }))}
            error={errorFor(saveErrors, "purpose")}
            onChange={(e) => change((d) => ({ ...d, purpose: e.target.value as MessagePurpose }))}
          />
          <Select
            label="Fallback locale"
            value={draft.fallbackLocale}
            options={draft.translations.map((t) => ({ value: t.locale, label: t.locale }))}
            error={errorFor(saveErrors, "fallbackLocale")}
            onChange={(e) => change((d) => ({ ...d, fallbackLocale: e.target.value }))}
          />
        </div>
        <p className="hint purpose-hint">
          {draft.purpose === "MARKETING"
            ? "Marketing messages wait for the frequency caps and quiet hours."
            : "Transactional messages (a voucher's code, points used) skip caps and quiet hours."}{" "}
          Every message needs the customer's consent to its channel.
        </p>

        <Translations
          translations={draft.translations}
          active={translation?.locale ?? ""}
          fallback={draft.fallbackLocale}
          faulty={faultyLocales}
          onPick={setActive}
          onAdd={(locale) => {
            change((d) => ({ ...d, translations: [...d.translations, emptyTranslation(locale)] }));
            setActive(locale);
          }}
          onRemove={(locale) => {
            change((d) => ({ ...d, translations: d.translations.filter((t) => t.locale !== locale) }));
            setActive(draft.fallbackLocale);
          }}
        />

        {translation ? (
          <div className="parts-and-palette">
            <div className="parts">
              {PARTS[draft.channel].map((spec) => {
                const key = `${translation.locale}.${spec.part}`;
                return (
                  <PartField
                    key={key}
                    name={partField(translation.locale, spec.part)}
                    label={`${spec.label} (${translation.locale})`}
                    hint={spec.hint}
                    oneLine={spec.oneLine}
                    rows={spec.rows}
                    value={translation[spec.part]}
                    error={errorOn(partField(translation.locale, spec.part))}
                    inputRef={spec.templated ? insertion.register(key) : undefined}
                    onFocus={spec.templated ? () => insertion.focused(key) : undefined}
                    onChange={(value) => writePart(key, value)}
                  />
                );
              })}
            </div>
            <ShortcodePalette into={targetLabel(insertion.target, draft.channel)} onInsert={insertion.insert} />
          </div>
        ) : null}

        <FormErrors errors={otherErrors} fields={shownFields} />
        <RequestError error={created.error ?? updated.error} />
        <div className="row actions">
          <button type="submit" disabled={saving}>
            {saving ? "Saving…" : templateId === null ? "Create template" : "Save new version"}
          </button>
          <Link to="/messages/templates">Back to templates</Link>
          <span className="ok" role="status" aria-live="polite">
            {notice}
          </span>
        </div>
      </form>

      <div className="editor-side">
        <PreviewPanel
          draft={previewDraft}
          locales={draft.translations.map((t) => t.locale)}
          customer={customer}
          onCustomer={setCustomer}
          locale={previewLocale}
          onLocale={setPreviewLocale}
          onProblems={setProblems}
        />
        {templateId !== null && version !== null ? (
          <TestSend
            templateId={templateId}
            channel={draft.channel}
            savedVersion={version}
            unsaved={unsaved}
            customer={customer}
            locale={previewLocale}
          />
        ) : (
          <p className="card hint">Create the template to send yourself a test.</p>
        )}
      </div>
    </div>
  );
}

function splitKey(key: string): [string, Part] {
  const dot = key.lastIndexOf(".");
  return [key.slice(0, dot), key.slice(dot + 1) as Part];
}

function targetLabel(key: string, channel: MessageChannel): string {
  const [locale, part] = splitKey(key);
  return fieldLabel(partField(locale, part), channel);
}

function Translations({
  translations,
  active,
  fallback,
  faulty,
  onPick,
  onAdd,
  onRemove,
}: {
  translations: TranslationDraft[];
  active: string;
  fallback: string;
  faulty: Set<string>;
  onPick: (locale: string) => void;
  onAdd: (locale: string) => void;
  onRemove: (locale: string) => void;
}) {
  const [adding, setAdding] = useState("");
  const [problem, setProblem] = useState("");
  function add() {
    const locale = canonicalLocale(adding);
    if (!locale) return setProblem("Type a locale, e.g. it-IT.");
    if (translations.some((t) => t.locale === locale)) return setProblem(`${locale} is already there.`);
    setProblem("");
    setAdding("");
    onAdd(locale);
  }
  return (
    <fieldset className="translations">
      <legend>Translations</legend>
      <div className="locale-tabs" role="group" aria-label="Translation being edited">
        {translations.map((t) => (
          <button
            key={t.locale}
            type="button"
            className={`locale-tab${t.locale === active ? " current" : ""}${faulty.has(t.locale) ? " faulty" : ""}`}
            aria-pressed={t.locale === active}
            onClick={() => onPick(t.locale)}
          >
            {t.locale}
            {t.locale === fallback ? <span className="hint"> (fallback)</span> : null}
            {faulty.has(t.locale) ? <span className="sr-only"> (has problems)</span> : null}
          </button>
        ))}
      </div>
      <div className="row add-translation">
        <div className="field">
          <label htmlFor="add-locale">Add a translation</label>
          <input
            id="add-locale"
            value={adding}
            placeholder="it-IT"
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? "add-locale-error" : undefined}
            onChange={(e) => setAdding(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                add();
              }
            }}
          />
          {problem ? (
            <small id="add-locale-error" className="error" role="alert">
              {problem}
            </small>
          ) : null}
        </div>
        <div className="field button-field">
          <button type="button" className="secondary" onClick={add}>
            Add
          </button>
        </div>
        {translations.length > 1 ? (
          <div className="field button-field">
            <button
              type="button"
              className="secondary"
              disabled={active === fallback}
              title={active === fallback ? "Choose another fallback locale first." : undefined}
              onClick={() => onRemove(active)}
            >
              Remove {active}
            </button>
          </div>
        ) : null}
      </div>
    </fieldset>
  );
}
