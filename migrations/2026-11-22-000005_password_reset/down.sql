DROP TABLE outbox_mail;
DROP TABLE password_reset;
