"""The published site: MkDocs hooks, the procedure's timescales in words, the privacy
notice, leaflet PDFs and a local server."""
