DROP TABLE app_setting;
DROP TABLE bag_format;
DROP TABLE dispatch_area;
