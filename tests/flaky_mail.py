"""An e-mail backend for the worker tests: the SMTP server is "down" for the
first attempt of each message, then works (messages land as files)."""

from pathlib import Path

from django.conf import settings
from django.core.mail.backends.filebased import EmailBackend


class FlakyBackend(EmailBackend):
    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        marker = Path(settings.EMAIL_FILE_PATH) / "failed-once"
        if not marker.exists():
            marker.write_text("the first attempt failed")
            raise ConnectionError("SMTP server unavailable")
        return super().send_messages(email_messages)
