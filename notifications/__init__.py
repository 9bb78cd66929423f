"""Notifications: templates, channels (SMTP email, Twilio SMS and MMS), consent and the
delivery log. Consumes the domain; never imports schema/ or tessera/."""
