"""Rankings (榜单): per city, category and district, from verified data only."""
