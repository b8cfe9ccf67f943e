"""The demo data loader (`manage.py seed_demo`, `demo_banner`): one city of
merchants, deals, orders and reviews, made through every app's services."""
