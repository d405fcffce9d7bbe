"""The legacy form protocol (protocol section 7), as this gateway speaks it.

1. The shop's page posts a form to `{BASE}/clicktopay/`: `Reference` (1-36 characters, the order number),
   `Montant` (`12.500`: digits and a point, at most the currency's decimals, more than zero), `Devise`
   (alphabetic code, `TND`), `sid` (optional, at most 255 characters, kept as the order's jsonParams
   "sid") and `affilie` (the affiliation code of an enabled LegacySettings). A bad field is a 400 page.
2. DETAIL, on the buyer's request (5 s timeout, redirects not followed):
   `GET <control URL>?Reference=<ref>&Action=DETAIL`; the shop must answer HTTP 200 with the body
   `Reference=<ref>&Action=DETAIL&Reponse=<amount>`, the amount equal to Montant (`12.5` = `12.500`).
   Otherwise nothing is registered and the buyer sees why (400 on another amount, 502 when the shop
   cannot be reached or its answer read). Posting the same form again while unpaid resumes the order.
3. The order is registered (returnUrl = failUrl = `{BASE}/clicktopay/return/`) and the buyer is sent to
   the hosted payment page, in the language LocaleMiddleware chose (fr by default).
4. When the payment has ended, the buyer's way back passes through `/clicktopay/return/?orderId=..&lang=..`,
   which decides the outcome once and has it sent off the buyer's request:
   `GET <control URL>?Reference=<ref>&Action=ACCORD&Param=<approval code>` when paid,
   `Action=REFUS` when declined, `Action=ANNULATION` when the buyer left or let the time run out without
   a refusal last (action codes -100, -2007), `Action=ERREUR` when the issuer was unavailable (910).
   The shop must answer `Reference=<ref>&Action=<action>&Reponse=OK`; otherwise the call is retried
   (LEGACY_RETRY_DELAYS) by `legacy_announce_due`, which also announces orders nobody came back for.
5. The buyer is redirected (GET) to the shop's success URL (ACCORD) or failure URL (anything else) with
   `Reference=<ref>` and, when the shop sent one, `sid=<sid>` appended.
"""
