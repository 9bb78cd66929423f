// A problem the server found in a template, named the way the editor labels its fields.
import type { MessageChannel } from "../../generated/graphql";
import { PARTS, type Part } from "./draft";

export type TemplateProblem = {
  field: string;
  code: string;
  message: string;
  line?: number | null;
  column?: number | null;
};

/** "Text body (it-IT)" for translations.it-IT.textBody; the field as given otherwise. */
export function fieldLabel(field: string, channel: MessageChannel): string {
  const match = /^translations\.([^.]+)\.(\w+)$/.exec(field);
  if (match) {
    const [, locale, part] = match;
    const spec = PARTS[channel].find((p) => p.part === (part as Part));
    if (spec) return `${spec.label} (${locale})`;
    if (part === "locale") return `Locale of translation ${Number(locale) + 1}`;
  }
  if (field === "fallbackLocale") return "Fallback locale";
  if (field === "translations") return "Translations";
  return field;
}
