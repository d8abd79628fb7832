-- Reserved: the number before 011_forecast_categories belongs to a migration landing from a
-- parallel branch. This file only keeps the sequence contiguous until that one replaces it.
SELECT 1;
