# "21 marzo 2024": no leading zero on the day (Django's Italian default writes "05 marzo").
DATE_FORMAT = "j F Y"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
