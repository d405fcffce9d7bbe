"""Merchant page customization: logo, colours and a short text per language on the hosted pages.

Support sets a PageTheme per merchant in the admin. Whatever colours are chosen, the page keeps a text
colour with at least WCAG 2.1 AA contrast (4.5:1) on the brand colour, and errors keep the page's red.
Declared custom page views (pageView=PARTNER...) select templates/payments/custom/<code>/<view>.html.
"""
