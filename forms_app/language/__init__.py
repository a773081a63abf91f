"""Languages: the gettext catalogues, Welsh for the published site, and invisible characters."""
