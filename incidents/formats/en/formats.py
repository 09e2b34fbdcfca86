# Full month names on the public pages ("March 21, 2024"), as status pages write them.
DATE_FORMAT = "F j, Y"
MONTH_DAY_FORMAT = "F j"
