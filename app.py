"""nkmap dashboard: `streamlit run app.py` (or `make run`, which starts it with the atlas
prepared early). The dashboard itself is nkmap.web.app, shipped with the package."""

from nkmap.web.app import main

main()
