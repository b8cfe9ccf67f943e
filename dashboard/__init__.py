"""The merchant dashboard: offers, redemption, orders, reviews and payouts of one merchant."""
