"""The Streamlit dashboard: the page (app), the map component that owns the exchange with the
page in the browser (component), the dashboard's answers kept free of Streamlit (view) and the
server's starter (serve)."""
