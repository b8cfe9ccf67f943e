"""The moderation queue: pending merchants and offers, recent reviews, an admin's decisions."""
