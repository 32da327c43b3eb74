ALTER TABLE audit_log DROP COLUMN api_key_id;
DROP TABLE api_key;
ALTER TABLE app_user DROP CONSTRAINT app_user_service_not_admin, DROP COLUMN description, DROP COLUMN kind;
