"""The billing plugin's errors: each a :class:`gongdan.errors.GongdanError`, so views, the CLI
and jobs show the message instead of a traceback. Raised before anything is written, or inside
the caller's transaction, which is then rolled back: nothing is charged."""

from __future__ import annotations

from gongdan.errors import GongdanError


class BillingError(GongdanError):
    """Base of the billing errors."""

    code = "billing.error"
    status = 422


class InvalidAmount(BillingError):
    """A negative, non-numeric or non-finite quantity or price."""

    code = "billing.invalid_amount"


class NoPriceList(BillingError):
    """No active price list applies to the ticket."""

    code = "billing.no_price_list"
    status = 409


class QuoteNotOpen(BillingError):
    """The quote was already approved, declined or replaced: it cannot be decided again."""

    code = "billing.quote_not_open"
    status = 409


class QuoteExpired(BillingError):
    """The quote's validity ran out before the customer decided."""

    code = "billing.quote_expired"
    status = 409


class QuoteChanged(BillingError):
    """The quote differs from what was sent (or shown): approving it would be approving
    something else."""

    code = "billing.quote_changed"
    status = 409


class AlreadySigned(BillingError):
    """The service report's charges were signed already; they are final."""

    code = "billing.already_signed"
    status = 409


class NotAllowed(BillingError):
    """The user may not take this billing step."""

    code = "billing.not_allowed"
    status = 403
