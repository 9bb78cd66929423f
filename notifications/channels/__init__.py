"""The ways a message leaves Tessera: email over SMTP and SMS/MMS through Twilio. Each sender
answers with an Outcome (outcomes.py) and knows nothing of templates, consent or the log."""
