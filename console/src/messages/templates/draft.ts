// The template being edited, as the editor holds it (every part a string), and its
// conversions to and from what the API reads and writes.
import type {
  MessageChannel,
  MessagePurpose,
  MessageTemplateQuery,
  TranslationInput,
} from "../../generated/graphql";

export type Part = "subject" | "htmlBody" | "textBody" | "text" | "mediaUrls";

export type TranslationDraft = {
  locale: string;
  subject: string;
  htmlBody: string;
  textBody: string;
  text: string;
  /** One https URL a line (MMS). */
  mediaUrls: string;
};

export type TemplateDraft = {
  name: string;
  channel: MessageChannel;
  purpose: MessagePurpose;
  fallbackLocale: string;
  translations: TranslationDraft[];
};

export type PartSpec = {
  part: Part;
  label: string;
  hint?: string;
  /** A one-line input (a subject) rather than a text area. */
  oneLine?: boolean;
  rows?: number;
  /** Shortcodes go in (the media URLs are fixed files, not templates). */
  templated: boolean;
};

/** The parts of each channel, in the order the editor shows them. */
export const PARTS: Record<MessageChannel, PartSpec[]> = {
  EMAIL: [
    { part: "subject", label: "Subject", oneLine: true, templated: true },
    {
      part: "textBody",
      label: "Text body",
      hint: "Required: what every mail client can show.",
      rows: 8,
      templated: true,
    },
    {
      part: "htmlBody",
      label: "HTML body",
      hint: "Optional: without it the email goes as text only. Customer data is escaped.",
      rows: 8,
      templated: true,
    },
  ],
  SMS: [{ part: "text", label: "Text", hint: "At most 1,600 characters once rendered.", rows: 6, templated: true }],
  MMS: [
    { part: "text", label: "Text", hint: "At most 1,600 characters once rendered.", rows: 6, templated: true },
    { part: "mediaUrls", label: "Media URLs", hint: "1 to 10 https:// URLs, one a line.", rows: 3, templated: false },
  ],
};

/** The part shortcodes go into before the marketer has clicked in one. */
export function mainPart(channel: MessageChannel): Part {
  return channel === "EMAIL" ? "textBody" : "text";
}

export function emptyTranslation(locale: string): TranslationDraft {
  return { locale, subject: "", htmlBody: "", textBody: "", text: "", mediaUrls: "" };
}

export function newDraft(locale = "en-US"): TemplateDraft {
  return {
    name: "",
    channel: "EMAIL",
    purpose: "MARKETING",
    fallbackLocale: locale,
    translations: [emptyTranslation(locale)],
  };
}

type Saved = NonNullable<MessageTemplateQuery["messageTemplate"]>;

/** The current version of a saved template, ready to edit. */
export function draftOf(template: Saved): TemplateDraft {
  const current =
    template.versions.find((v) => v.version === template.currentVersion) ?? template.versions[0];
  return {
    name: template.name,
    channel: template.channel,
    purpose: template.purpose,
    fallbackLocale: current?.fallbackLocale ?? template.fallbackLocale,
    translations: (current?.translations ?? []).map((t) => ({
      locale: t.locale,
      subject: t.subject ?? "",
      htmlBody: t.htmlBody ?? "",
      textBody: t.textBody ?? "",
      text: t.text ?? "",
      mediaUrls: (t.mediaUrls ?? []).join("\n"),
    })),
  };
}

/** A translation as the API takes it: only the parts of the channel (the server refuses
 * any other, even empty). */
export function translationInput(channel: MessageChannel, t: TranslationDraft): TranslationInput {
  if (channel === "EMAIL") {
    return { locale: t.locale, subject: t.subject, textBody: t.textBody, htmlBody: t.htmlBody };
  }
  if (channel === "MMS") {
    const urls = t.mediaUrls
      .split("\n")
      .map((u) => u.trim())
      .filter(Boolean);
    return { locale: t.locale, text: t.text, mediaUrls: urls };
  }
  return { locale: t.locale, text: t.text };
}

/** The field a save or a preview names for a part: translations.<locale>.<part>. */
export function partField(locale: string, part: Part): string {
  return `translations.${locale}.${part}`;
}

/** A locale tag spelled as the server stores it (it_it -> it-IT); as typed when it is not
 * one, so the server's answer names it. */
export function canonicalLocale(tag: string): string {
  const trimmed = tag.trim().replace(/_/g, "-");
  try {
    return Intl.getCanonicalLocales(trimmed)[0] ?? trimmed;
  } catch {
    return trimmed;
  }
}
