"""Services load models, call domain rules and write results. They flush; the caller commits."""


class ServiceError(Exception):
    """A rule the user broke. The message is written for that user; field names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class StaleEdit(ServiceError):
    """Someone else saved the same record since the form was loaded."""


class NeedsConfirmation(ServiceError):
    """The input is allowed but looks like a mistake: the user must confirm it once more."""
