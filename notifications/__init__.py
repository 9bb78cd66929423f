"""Messages to customers and staff: templates per channel and locale (notifications.templates),
channels (notifications.channels: SMTP email, Twilio SMS and MMS). Consumes the domain; never
imports schema/ or tessera/."""
