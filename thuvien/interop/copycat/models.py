"""Copy-cataloguing targets: other libraries' Z39.50 and SRU servers."""
