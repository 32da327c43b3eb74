DROP TABLE audit_log;
DROP TABLE refresh_token;
DROP TABLE user_session;
DROP TABLE login_failure;
DROP TABLE app_user;
