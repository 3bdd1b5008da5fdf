"""The interactive map shared by the dashboard and the standalone HTML export: the versioned
payload (what the page is sent) and the page itself (frontend/)."""
