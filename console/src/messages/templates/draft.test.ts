import { describe, expect, it } from "vitest";
import { canonicalLocale, draftOf, translationInput } from "./draft";

describe("translationInput", () => {
  const t = {
    locale: "it-IT",
    subject: "Ciao",
    htmlBody: "",
    textBody: "Hai [points] punti",
    text: "SMS",
    mediaUrls: " https://a.example/1.png \n\nhttps://a.example/2.png",
  };
  it("sends only the parts of the channel", () => {
    expect(translationInput("EMAIL", t)).toEqual({
      locale: "it-IT",
      subject: "Ciao",
      textBody: "Hai [points] punti",
      htmlBody: "",
    });
    expect(translationInput("SMS", t)).toEqual({ locale: "it-IT", text: "SMS" });
  });
  it("reads MMS media URLs one a line, skipping blank lines", () => {
    expect(translationInput("MMS", t).mediaUrls).toEqual([
      "https://a.example/1.png",
      "https://a.example/2.png",
    ]);
  });
});

describe("draftOf", () => {
  it("edits the current version, whatever order the versions come in", () => {
    const draft = draftOf({
      id: "1",
      name: "Reminder",
      channel: "SMS",
      purpose: "MARKETING",
      fallbackLocale: "en-US",
      currentVersion: 2,
      versions: [
        { version: 1, fallbackLocale: "en-US", actor: "a", createdAt: "", translations: [] },
        {
          version: 2,
          fallbackLocale: "it-IT",
          actor: "a",
          createdAt: "",
          translations: [
            { locale: "it-IT", subject: null, htmlBody: null, textBody: null, text: "Ciao", mediaUrls: null },
          ],
        },
      ],
    });
    expect(draft.fallbackLocale).toBe("it-IT");
    expect(draft.translations).toEqual([
      { locale: "it-IT", subject: "", htmlBody: "", textBody: "", text: "Ciao", mediaUrls: "" },
    ]);
  });
});

describe("canonicalLocale", () => {
  it("spells tags as the server stores them", () => {
    expect(canonicalLocale("it_it")).toBe("it-IT");
    expect(canonicalLocale(" EN-us ")).toBe("en-US");
  });
  it("leaves what is not a tag as typed, for the server to name", () => {
    expect(canonicalLocale("not a locale")).toBe("not a locale");
  });
});
