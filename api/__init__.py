"""API v1 for mobile apps and point-of-sale devices: views over every app's
services and selectors, and the routes, schema and docs."""
