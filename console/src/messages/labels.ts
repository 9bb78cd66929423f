// What the messages pages call the API's enums, in words a marketer reads.
import type {
  BuiltInNotificationKind,
  MessageChannel,
  MessagePurpose,
  MessageStatus,
  NoticeKind,
} from "../generated/graphql";

export const CHANNELS: MessageChannel[] = ["EMAIL", "SMS", "MMS"];
export const CHANNEL_LABEL: Record<MessageChannel, string> = { EMAIL: "Email", SMS: "SMS", MMS: "MMS" };

export const PURPOSE_LABEL: Record<MessagePurpose, string> = {
  MARKETING: "Marketing",
  TRANSACTIONAL: "Transactional",
};

export const STATUSES: MessageStatus[] = [
  "QUEUED",
  "DEFERRED",
  "SENDING",
  "SENT",
  "DELIVERED",
  "FAILED",
  "SUPPRESSED",
  "UNCERTAIN",
  "CAPTURED",
];
export const STATUS_LABEL: Record<MessageStatus, string> = {
  QUEUED: "Queued",
  DEFERRED: "Deferred",
  SENDING: "Sending",
  SENT: "Sent",
  DELIVERED: "Delivered",
  FAILED: "Failed",
  SUPPRESSED: "Suppressed",
  UNCERTAIN: "Uncertain",
  CAPTURED: "Captured (sandbox)",
};
/** How a status reads at a glance: good, waiting, or a problem. */
export const STATUS_TONE: Record<MessageStatus, "good" | "wait" | "bad" | "plain"> = {
  QUEUED: "wait",
  DEFERRED: "wait",
  SENDING: "wait",
  SENT: "good",
  DELIVERED: "good",
  FAILED: "bad",
  SUPPRESSED: "plain",
  UNCERTAIN: "bad",
  CAPTURED: "plain",
};

export const BUILTIN_LABEL: Record<BuiltInNotificationKind, { title: string; when: string }> = {
  POINTS_EARNED: { title: "Points earned", when: "A purchase or an action credited points." },
  THRESHOLD_REACHED: { title: "Threshold reached", when: "The balance went up past one of the thresholds." },
  POINTS_EXPIRING: { title: "Points expiring", when: "Some days before points expire." },
  BADGE_UNLOCKED: { title: "Badge unlocked", when: "The customer's points unlocked a badge." },
  VOUCHER_ISSUED: { title: "Voucher issued", when: "A voucher code was given or bought with points." },
  REWARD_CLAIMED: { title: "Reward claimed", when: "The customer claimed a reward." },
};

export const NOTICE_KINDS: NoticeKind[] = [
  "LARGE_ADJUSTMENT",
  "PROMOTION_STARTED",
  "GIFT_RUN_FINISHED",
  "EXPIRY_RUN_FINISHED",
  "FUNNEL_STEP",
  "WEBHOOK_DISABLED",
];
export const NOTICE_KIND_LABEL: Record<NoticeKind, string> = {
  LARGE_ADJUSTMENT: "Large adjustments",
  PROMOTION_STARTED: "Promotion started",
  GIFT_RUN_FINISHED: "Gift run finished",
  EXPIRY_RUN_FINISHED: "Expiry run finished",
  FUNNEL_STEP: "Funnel staff step",
  WEBHOOK_DISABLED: "Webhook disabled after failures",
};

/** Why a message was suppressed, deferred or failed, in words; a provider's own code (Twilio's
 * 30003, an SMTP reply) is shown as it is. */
export const REASON_LABEL: Record<string, string> = {
  NO_CONSENT: "No consent to this channel",
  SANDBOX: "Kept by the sandbox (no provider configured)",
  QUIET_HOURS: "Quiet hours",
  FREQUENCY_CAP: "Frequency cap reached",
  RENDER_ERROR: "The template did not render",
  SENDER_STOPPED_AFTER_HANDOVER: "Sender stopped after handing it over",
};

export function reasonLabel(reason: string): string {
  return REASON_LABEL[reason] ?? reason;
}
