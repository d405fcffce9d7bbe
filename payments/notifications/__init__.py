"""Server-to-server notifications to shops (protocol section 6).

Every Operation written through payments.services.common.record() that announces something to the shop
becomes one CallbackDelivery, sent by its own Celery task, retried until the shop answers HTTP 200.

Events, from the Operation just written and the order's status at that moment:

    AUTHORIZE succeeded, order now 1 (held)          -> approved            status=1
    AUTHORIZE succeeded, order now 2 (one phase)     -> deposited           status=1
    DEPOSIT                                          -> deposited           status=1
    REVERSE                                          -> reversed            status=1
    REFUND                                           -> refunded            status=1
    DECLINE with action code -2007 (time ran out)    -> declinedByTimeout   status=0
    any other DECLINE                                -> declined            status=0
    AUTHORIZE or AUTHENTICATE failed, order now 6    -> declined            status=0
    anything else (register, 3-D Secure start, a declined attempt that leaves the order payable): nothing

`status` is the protocol's "1 success, 0 failure" read as the outcome for the shop: 1 when money was
held, taken or given back as asked, 0 when the order ended declined. A declined attempt that leaves the
order payable is not announced: the buyer may still pay, and the shop would only learn noise.
`amount` is the operation's amount in minor units (0 for a decline, which moves no money).
"""
