"""`segmint report`: one run of the customer base in one HTML file that opens offline."""
