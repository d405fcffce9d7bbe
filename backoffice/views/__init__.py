"""Back-office pages, one module per page group. Views parse, call one selector or service, render."""
