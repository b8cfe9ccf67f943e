"""Consumer pages that combine apps: discovery, the deal page, checkout, vouchers."""
