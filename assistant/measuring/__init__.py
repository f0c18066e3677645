"""Measuring: `news-assistant eval` and `bench`, their metrics, reports and the naive pipeline they measure against."""
