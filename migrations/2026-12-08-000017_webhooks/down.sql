DROP TABLE webhook_delivery;
DROP TABLE webhook_message;
DROP TABLE webhook_endpoint;
