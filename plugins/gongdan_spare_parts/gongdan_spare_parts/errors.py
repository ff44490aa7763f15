"""The spare parts plugin's errors: each a :class:`gongdan.errors.GongdanError`, so views, the
CLI and jobs show its message instead of a traceback. Raised before anything is written, or
inside the caller's transaction, which is then rolled back: the ledger stays unchanged."""

from __future__ import annotations

from gongdan.errors import GongdanError


class StockError(GongdanError):
    """Base of the stock errors."""

    code = "spare_parts.stock"
    status = 422


class InvalidQuantity(StockError):
    """Zero, negative, non-numeric, or fractional for a part counted in whole units."""

    code = "spare_parts.invalid_quantity"


class InsufficientStock(StockError):
    """The warehouse does not have that many available (on hand, not reserved)."""

    code = "spare_parts.insufficient_stock"
    status = 409


class ExceedsReservation(StockError):
    """Issuing or releasing more than the part line holds."""

    code = "spare_parts.exceeds_reservation"


class NotYourVan(StockError):
    """An engineer using another engineer's van stock."""

    code = "spare_parts.not_your_van"
    status = 403


class SerialNotInWarehouse(StockError):
    """The serial number is unknown, or not in stock in that warehouse."""

    code = "spare_parts.serial_not_in_warehouse"


class WrongLineStatus(StockError):
    """The part line is not in the status the step needs (issuing a rejected request ...)."""

    code = "spare_parts.wrong_line_status"
    status = 409


class NotAllowed(StockError):
    """The user's role may not take this step of the part request flow."""

    code = "spare_parts.not_allowed"
    status = 403
