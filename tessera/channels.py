"""The channels a worker sends through, built from the settings: SMTP when TESSERA_SMTP_URL
is set, Twilio when TESSERA_TWILIO_ACCOUNT_SID is; each one left unset is the sandbox
(messages CAPTURED, never sent)."""

from __future__ import annotations

from notifications.channels.email import SmtpPool
from notifications.channels.sms import TwilioSender
from notifications.delivery.sending import Channels
from tessera.settings import Settings
from tessera.webhooks import TWILIO_STATUS_PATH


def open_channels(settings: Settings) -> Channels:
    """The configured senders (call inside the event loop that will use them)."""
    smtp = settings.smtp_config()
    # Twilio reports each message's delivery back when Tessera's public URL is known.
    callback = (
        None
        if settings.public_url is None
        else settings.public_url.rstrip("/") + (TWILIO_STATUS_PATH)
    )
    twilio = settings.twilio_config(status_callback_url=callback)
    return Channels(
        email=None if smtp is None else SmtpPool(smtp),
        text=None if twilio is None else TwilioSender(twilio),
        email_from=settings.email_from or "",
    )


async def close_channels(channels: Channels) -> None:
    for sender in (channels.email, channels.text):
        if isinstance(sender, SmtpPool | TwilioSender):
            await sender.close()
