"""Languages: choosing the locale of a request, and the catalogs' ``translate`` commands."""
