DROP TABLE import_error;
DROP TABLE import_job;
