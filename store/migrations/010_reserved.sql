-- Reserved: this number belongs to a migration landing from a parallel branch. This file only
-- keeps the sequence contiguous for 012_schema_type_drift until that one replaces it.
SELECT 1;
