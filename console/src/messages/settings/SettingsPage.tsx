// Notification settings: the built-in notifications, the messaging limits and the staff notices.
import { BuiltInSettings } from "./BuiltInSettings";
import { LimitsSettings } from "./LimitsSettings";
import { NoticeSettings } from "./NoticeSettings";

export function SettingsPage() {
  return (
    <section aria-labelledby="settings-title">
      <div className="section-head">
        <h2 id="settings-title">Settings</h2>
      </div>
      <BuiltInSettings />
      <LimitsSettings />
      <NoticeSettings />
    </section>
  );
}
