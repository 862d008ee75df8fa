"""What sending mail can fail with, importable without the mail libraries (the actors name
these in their options, and the web process imports the actors to send jobs)."""


class AddressNotAccepted(Exception):
    """The relay cannot take this address: its local part is not ASCII and the relay does not
    offer SMTPUTF8. Sending again cannot help, so the job is not retried."""
