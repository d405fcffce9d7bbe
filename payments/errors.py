"""Errors raised by services, carrying the protocol's error code so views can map them exactly."""

from enum import IntEnum


class ErrorCode(IntEnum):
    SUCCESS = 0
    DUPLICATE = 1  # orderNumber already used
    NO_REFERENCE = 1  # getOrderStatusExtended.do without orderId or orderNumber
    DECLINED = 2
    BAD_CURRENCY = 3
    MISSING = 4
    BAD_VALUE = 5  # wrong value, access denied
    NOT_FOUND = 6
    BAD_STATE = 7  # not allowed in the order's state, amount above what is left; system error


class OperationRefused(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
