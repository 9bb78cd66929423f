// The messaging limits as the form holds them (text as typed) and as setMessagingLimits
// takes them (the whole setting: a channel without a cap or hours of its own is left out).
import type {
  ConsentChannel,
  FrequencyPeriodUnit,
  MessagingLimitsQuery,
  SetMessagingLimitsInput,
} from "../../generated/graphql";
import type { UserError } from "../../ui/forms";

export type HoursForm = { on: boolean; start: string; end: string };
export type ChannelForm = {
  channel: ConsentChannel;
  capOn: boolean;
  maxMessages: string;
  period: string;
  unit: FrequencyPeriodUnit;
  hours: HoursForm;
};
export type LimitsForm = { defaultTimeZone: string; hours: HoursForm; channels: ChannelForm[] };

const CHANNELS: ConsentChannel[] = ["EMAIL", "SMS"];
const NO_HOURS: HoursForm = { on: false, start: "21:00", end: "09:00" };

type Limits = MessagingLimitsQuery["messagingLimits"];

export function limitsForm(limits: Limits): LimitsForm {
  const hours = (h: { start: string; end: string } | null): HoursForm =>
    h ? { on: true, start: h.start, end: h.end } : NO_HOURS;
  return {
    defaultTimeZone: limits.defaultTimeZone ?? "",
    hours: hours(limits.quietHours),
    channels: CHANNELS.map((channel) => {
      const found = limits.channels.find((c) => c.channel === channel);
      return {
        channel,
        capOn: Boolean(found?.cap),
        maxMessages: String(found?.cap?.maxMessages ?? 3),
        period: String(found?.cap?.period ?? 7),
        unit: found?.cap?.unit ?? "DAYS",
        hours: hours(found?.quietHours ?? null),
      };
    }),
  };
}

export type Built = {
  input: SetMessagingLimitsInput;
  /** The channel of each entry of input.channels, to name the server's errors. */
  sent: ConsentChannel[];
  /** What is wrong before asking the server, on the form's own field names. */
  errors: UserError[];
};

const WHOLE = /^\s*\d+\s*$/;

export function limitsInput(form: LimitsForm): Built {
  const errors: UserError[] = [];
  const sent: ConsentChannel[] = [];
  const channels: SetMessagingLimitsInput["channels"] = [];
  for (const c of form.channels) {
    if (!c.capOn && !c.hours.on) continue;
    let cap = null;
    if (c.capOn) {
      for (const [name, value] of [
        ["maxMessages", c.maxMessages],
        ["period", c.period],
      ] as const) {
        if (!WHOLE.test(value)) {
          errors.push({ field: `${c.channel}.cap.${name}`, code: "INVALID", message: "Give a whole number." });
        }
      }
      cap = { maxMessages: Number(c.maxMessages), period: Number(c.period), unit: c.unit };
    }
    sent.push(c.channel);
    channels.push({
      channel: c.channel,
      cap,
      quietHours: c.hours.on ? { start: c.hours.start, end: c.hours.end } : null,
    });
  }
  return {
    input: {
      defaultTimeZone: form.defaultTimeZone.trim() || null,
      quietHours: form.hours.on ? { start: form.hours.start, end: form.hours.end } : null,
      channels,
    },
    sent,
    errors,
  };
}

/** A server error's field on the form's names: channels.1.cap.maxMessages -> SMS.cap.maxMessages. */
export function formField(field: string | null | undefined, sent: ConsentChannel[]): string | null {
  if (!field) return null;
  const match = /^channels\.(\d+)(\..*)?$/.exec(field);
  if (!match) return field;
  const channel = sent[Number(match[1])];
  return channel ? `${channel}${match[2] ?? ""}` : field;
}
