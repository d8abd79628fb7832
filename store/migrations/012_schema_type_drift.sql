-- Schema drift has two kinds: a field the CRM stopped sending ('missing', as before) and a field
-- the CRM now holds as another type than the mapping reads ('type_changed', e.g. an amount that
-- became a text or enumeration field). `detail` says what the CRM holds now, for status and alerts.
ALTER TABLE schema_drift ADD COLUMN kind TEXT NOT NULL DEFAULT 'missing';
ALTER TABLE schema_drift ADD COLUMN detail TEXT;
