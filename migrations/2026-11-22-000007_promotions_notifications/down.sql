DROP TABLE notification;
DROP TABLE promotion_request;
