"""nkmap dashboard: `streamlit run app.py` (or `make run`, which starts it with the atlas
prepared early). The dashboard itself is nkmap.webapp, shipped with the package."""

from nkmap.webapp import main

main()
