"""The Dash web dashboard for architects (``dsqlcost dashboard``)."""
