from __future__ import annotations


class PayloadError(ValueError):
    """A payload refused, with the reason its sender is told (and staff see). `status` is the
    HTTP answer: 400 for a body that is not JSON, 422 for JSON that says something wrong."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status
